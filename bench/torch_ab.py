"""PyTorch side of bench/torch-ab.mjs: runs N training steps (mlp, cnn, gpt) per stdin line ("mlp 30") and prints ms/step."""
import sys, time, torch, importlib
import os
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', 'python'))
sys.path.insert(0, here)
from torch_bench import make_train_step, make_lm_train_step
torch.set_num_threads(int(sys.argv[1]))
steps = {}
for name, mod, cls, kw in [('mlp','mlp','MLP',{}), ('cnn','cnn','CNN',{})]:
    m = importlib.import_module(f'twinml_ref.models.{mod}')
    torch.manual_seed(1)
    model = getattr(m, cls)(**kw) ; model.train()
    x = torch.randn(64, 1, 28, 28); y = torch.arange(64) % 10
    steps[name] = make_train_step(model, x, y)
    for _ in range(3): steps[name]()
gpt = importlib.import_module('twinml_ref.models.gpt')
torch.manual_seed(1)
lm = gpt.from_config({'vocab_size': 65}); lm.train()
steps['gpt'] = make_lm_train_step(lm, torch.randint(0, 65, (32, 64)), torch.randint(0, 65, (32, 64)))
for _ in range(3): steps['gpt']()
print('ready', flush=True)
for line in sys.stdin:
    name, n = line.split(); n = int(n)
    t = time.perf_counter()
    c = time.process_time()
    for _ in range(n): steps[name]()
    print((time.perf_counter() - t) / n * 1000, (time.process_time() - c) / n * 1000, flush=True)
