/**
 * The JSON description of a PyTorch model that python/twinml_ref/port/describe.py produces for `twinml port`:
 * every user-defined nn.Module class with, per instance, its children, its own tensors and its forward as a
 * torch.fx graph whose nodes carry the Python source lines that produced them.
 */

/** A Python source position (outermost frame first in a node's `frames`). */
export interface SourceFrame {
  file: string;
  line: number;
  /** The Python function (forward, or a helper method such as encode). */
  function: string;
  /** The statement's text (on one line). */
  code: string;
  /** How many times this statement ran before in this frame (a loop iteration, unrolled by the trace). */
  exec?: number;
}

/** An fx argument: a constant, a reference to another node, or a structured Python value. */
export type FxArg =
  | null
  | boolean
  | number
  | string
  | FxArg[]
  | { node: string }
  | { dict: Record<string, FxArg> }
  | { slice: [FxArg, FxArg, FxArg] }
  | { ellipsis: true }
  | { dtype: string }
  | { device: string }
  | { float: 'nan' | 'inf' | '-inf' }
  /** A constant that depends on the mode (`p if self.training else 0.0`): [training value, eval value]. */
  | { by_mode: [FxArg, FxArg] }
  | { repr: string };

/** What a node computed on the sample input: its kind, a tensor's shape and dtype, a tuple's items. */
export interface ValueMeta {
  kind: string;
  shape?: number[];
  dtype?: string;
  items?: ValueMeta[];
}

/** One torch.fx node. */
export interface FxNode {
  op: 'placeholder' | 'call_module' | 'call_function' | 'call_method' | 'get_attr' | 'output';
  name: string;
  /** call_function: `F.relu`, `torch.flatten`, `operator.add`, `getattr`; call_method: `view`; call_module: the child path. */
  target?: string;
  args: FxArg[];
  kwargs: { dict: Record<string, FxArg> };
  frames: SourceFrame[];
  users: string[];
  /** What the node computed on the sample input (absent without --input or when running it failed). */
  value?: ValueMeta | null;
  /** placeholder: its default value. */
  default?: FxArg;
}

/** A torch.nn module with its constructor arguments (args null: a type `port` cannot read). */
export interface TorchChild {
  kind: 'torch';
  type: string;
  qualname: string;
  args: Record<string, unknown> | null;
}

/** A container child and its entries. */
export interface ContainerChild {
  kind: 'Sequential' | 'ModuleList' | 'ModuleDict';
  items: Array<[string, ChildDescription]>;
}

/** A child that is an instance of another user-defined class. */
export interface UserChild {
  kind: 'user';
  class: string;
  /** Python id() of the instance (matches ClassInstance.id). */
  instance: number;
}

/** Any child module. */
export type ChildDescription = TorchChild | ContainerChild | UserChild;

/** A parameter or buffer registered directly on a user module. */
export interface OwnTensor {
  name: string;
  kind: 'parameter' | 'buffer';
  shape: number[];
  dtype: string;
  persistent?: boolean;
  /** The value every element holds at initialisation, when they are all equal (else null: random init). */
  constant: number | null;
}

/** One instance of a user class in the model tree. */
export interface ClassInstance {
  /** Its module path ('' for the root). */
  path: string;
  id: number;
  /** The constructor's bound arguments (JSON values, or { repr } for other objects). */
  init_args: Record<string, unknown>;
  children: Array<[string, ChildDescription]>;
  tensors: OwnTensor[];
  /** The traced forward; null when tracing failed (see trace_error). */
  nodes: FxNode[] | null;
  trace_error: { message: string; frames: SourceFrame[] } | null;
  /**
   * Python branches on values computed from shapes (`if t_past == 0:`), decided on the sample input: the node
   * holding the condition, the side taken and the branch's statement. The port throws when an input takes the other side.
   */
  guards?: Array<{ node: string; value: boolean; frame: SourceFrame | null }>;
}

/** A problem the Python side found in a class's source (an in-place trick fx cannot see). */
export interface SourceProblem {
  what: string;
  /** 'training branch' for a branch on self.training; absent for an aliased in-place update. */
  kind?: string;
  file: string;
  line: number;
  code: string;
}

/** A user-defined nn.Module class. */
export interface ClassDescription {
  name: string;
  file: string | null;
  line: number | null;
  init_params: string[];
  instances: ClassInstance[];
  problems: SourceProblem[];
  /** The __init__ line of each `self.<child> = ...`. */
  child_lines: Record<string, number>;
  /** The last `return` statement of the class's forward. */
  return_frame: SourceFrame | null;
}

/** The whole model. Classes come in module-tree order (the root first). */
export interface ModelDescription {
  root: string;
  file: string;
  torch: string;
  classes: ClassDescription[];
  /** Parameters shared under several names (weight tying): [the later name, the first name], root-relative paths. */
  tied?: Array<[string, string]>;
  /** The root __init__ line of each tying assignment (null: not found), parallel to `tied`. */
  tied_lines?: Array<number | null>;
}
