"""A character-level GPT of nanoGPT's shape (Karpathy's nanoGPT model.py, MIT licence): token and position
embeddings, pre-norm blocks of causal self-attention and a GELU MLP, a final LayerNorm and a linear head whose
weight is tied to the token embedding.

The TypeScript mirror is src/models/gpt/; the state_dict keys are the same (transformer.wte.weight,
transformer.h.0.ln_1.weight, transformer.h.0.attn.c_attn.weight, ..., lm_head.weight).
"""
import math
from dataclasses import dataclass, fields

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class GPTConfig:
    block_size: int = 64
    vocab_size: int = 65
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = True
    tie_weights: bool = True


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        # key, query, value projections for all heads, in one batch
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.dropout = config.dropout

    def forward(self, x, past=None):
        """x [B, T, C]; past: (key, value) [B, nh, T_past, hs] or None. Returns y [B, T, C] and (key, value)."""
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        dropout_p = self.dropout if self.training else 0.0
        t_past = k.size(2) - T
        if t_past == 0:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=dropout_p, is_causal=True)
        else:
            # query i sits at position t_past + i and sees keys 0 .. t_past + i
            mask = torch.ones(T, k.size(2), dtype=torch.bool, device=x.device).tril(diagonal=t_past)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble all head outputs side by side
        y = self.resid_dropout(self.c_proj(y))
        return y, (k, v)


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x, past=None):
        a, present = self.attn(self.ln_1(x), past)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, present


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_weights:
            # weight tying: one Parameter under both keys (https://paperswithcode.com/method/weight-tying)
            self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        # scaled init of the residual projections, per GPT-2
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx):
        """idx [B, T] token ids (T <= block_size) -> logits [B, T, vocab_size]."""
        return self.forward_with_cache(idx, None)[0]

    def forward_with_cache(self, idx, past=None):
        """Logits of the new tokens idx [B, T] after `past` (one (key, value) per layer, or None), and the new cache."""
        b, t = idx.size()
        t_past = 0 if past is None else past[0][0].size(2)
        if t_past + t > self.config.block_size:
            raise ValueError(f"cannot forward a sequence of length {t_past + t}, block size is only {self.config.block_size}")
        pos = torch.arange(t_past, t_past + t, dtype=torch.long, device=idx.device)  # shape (t)
        tok_emb = self.transformer.wte(idx)  # (b, t, n_embd)
        pos_emb = self.transformer.wpe(pos)  # (t, n_embd)
        x = self.transformer.drop(tok_emb + pos_emb)
        present = []
        for i, block in enumerate(self.transformer.h):
            x, kv = block(x, None if past is None else past[i])
            present.append(kv)
        x = self.transformer.ln_f(x)
        return self.lm_head(x), present

    def configure_optimizers(self, weight_decay, learning_rate, betas=(0.9, 0.99)):
        """AdamW with weight decay on the 2-D weights (matmuls, embeddings) only; biases and LayerNorms none."""
        params = [p for p in self.parameters() if p.requires_grad]
        decay = [p for p in params if p.dim() >= 2]
        no_decay = [p for p in params if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        """nanoGPT's generate: crop to the block size, scale by temperature, keep top k, sample (0 = argmax)."""
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.config.block_size else idx[:, -self.config.block_size :]
            logits = self(idx_cond)[:, -1, :]
            if temperature == 0:
                idx_next = logits.argmax(dim=-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("Inf")
                idx_next = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


CONFIG_KEYS = {f.name for f in fields(GPTConfig)}


def from_config(config):
    """The GPT of a zoo config (the TS GPTConfig's keys, nanoGPT's names); an unknown key is an error."""
    unknown = set(config) - CONFIG_KEYS
    if unknown:
        raise ValueError(f"GPT config: unknown keys {sorted(unknown)}; known: {sorted(CONFIG_KEYS)}")
    return GPT(GPTConfig(**config))
