/**
 * V8 heap settings for a process whose main job is serving (`twinml serve`).
 *
 * V8 decides, once per allocation site (an object or array literal in optimized code), whether the objects it
 * makes are allocated straight into the old generation ("pretenuring"), from the share of them that survived one
 * young-generation GC. The decision is permanent, and with a young generation at its full size from the start
 * (`--min-semi-space-size=16`, the load test's and the documented production setting) it is taken during the
 * first burst of requests, when they are slow (cold JIT, first session runs) and most of the objects in flight
 * survive. In about 40% of server starts this tenured sites on the request path; from then on each request
 * left garbage in the old generation (directly, and through old-to-young pointers that keep the request's other
 * objects alive across young GCs), which grew by ~1 MiB per young GC until a full GC, and V8 kept the grown
 * pages: resident memory rose in 20–30 MiB steps (load test: +0.5..+19% RSS between 2,000 and 20,000
 * requests). A request's objects never outlive it, so nothing on this path should be pretenured.
 */
import { setFlagsFromString } from 'node:v8';

let applied = false;

/**
 * Turns off V8's allocation-site pretenuring for this process (idempotent). Call it before serving traffic;
 * `twinml serve` does. The same as starting Node with `--no-allocation-site-pretenuring`.
 */
export function tuneHeapForServing(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--no-allocation-site-pretenuring');
}
