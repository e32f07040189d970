"""`twinml port`: describes a PyTorch model (module tree, constructor arguments, forward graph) as JSON."""
from .describe import describe_model

PORT_FUNCTIONS = {"port_describe": lambda args, tensors: (describe_model(args), {})}
