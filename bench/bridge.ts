/**
 * The bridge benchmark: moves a float32 tensor TS -> Python -> TS through the safetensors path and reports
 * MB/s each way, next to pythonia's plain JSON path measured in the same run, and the call round trip in µs.
 * Timestamps on both sides are CLOCK_MONOTONIC (process.hrtime / time.monotonic_ns), so each direction is
 * timed on its own: TS -> Python = call start until Python has the tensor; Python -> TS = Python starts
 * writing until TS holds the parsed tensor.
 */
import { PythonBridge } from '../dist/bridge/python-bridge.js';

export interface BridgeBenchOptions {
  /** Size of the tensor for the raw-bytes path (default 64 MiB). */
  sizeMiB?: number;
  /** Size for the JSON path (default 2 MiB: JSON is orders of magnitude slower). */
  jsonMiB?: number;
  /** Repetitions of each transfer; the median and the best are reported (default 5). */
  repeats?: number;
  /** Empty calls for the round-trip figure (default 200). */
  roundTrips?: number;
}

export interface BridgeBenchResult {
  bytes: number;
  /** Median over the repetitions. */
  tsToPythonMBps: number;
  pythonToTsMBps: number;
  /** Best repetition (the least disturbed by other load on the machine). */
  best: { tsToPythonMBps: number; pythonToTsMBps: number };
  json: { bytes: number; roundTripMBps: number; roundTripMs: number };
  /** Median of an empty call (JSON args, no tensors), microseconds. */
  callRoundTripUs: number;
  /** Raw path over JSON path (round trip). */
  speedupOverJson: number;
  python: string;
  torch: string;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const nowNs = (): number => Number(process.hrtime.bigint());

/**
 * @param options - sizes and repetitions
 */
export async function benchBridge(options: BridgeBenchOptions = {}): Promise<BridgeBenchResult> {
  const { sizeMiB = 64, jsonMiB = 2, repeats = 5, roundTrips = 200 } = options;
  const py = await PythonBridge.start();
  const n = (sizeMiB * 1024 * 1024) / 4;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (i % 1000) * 0.001 - 0.5;
  const tensor = { dtype: 'float32' as const, shape: [n], data };
  await py.call('echo', {}, { x: { dtype: 'float32', shape: [4], data: new Float32Array(4) } });

  const there: number[] = [];
  const back: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = nowNs();
    const out = await py.call('echo', {}, { x: tensor }, { borrowOutputs: true });
    const end = nowNs();
    const got = out.tensors.get('x');
    if (!got || got.data.length !== n || got.data[n - 1] !== data[n - 1]) throw new Error('bridge bench: the echoed tensor differs');
    there.push((out.timing.loadedNs - start) / 1e9);
    back.push((end - out.timing.saveStartNs) / 1e9);
  }

  const jsonCount = (jsonMiB * 1024 * 1024) / 4;
  const list = Array.from(data.subarray(0, jsonCount));
  const jsonTimes: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = nowNs();
    const echoed = await py.echoJson(list);
    jsonTimes.push((nowNs() - start) / 1e9);
    if (echoed.length !== jsonCount) throw new Error('bridge bench: the JSON echo lost values');
  }

  const trips: number[] = [];
  for (let i = 0; i < roundTrips; i++) {
    const start = nowNs();
    await py.call('ping', { value: i });
    trips.push((nowNs() - start) / 1e3);
  }
  const versions = await py.versions();
  await py.close();

  const bytes = n * 4;
  const jsonBytes = jsonCount * 4;
  const mb = 1e6;
  const tsToPythonMBps = bytes / median(there) / mb;
  const pythonToTsMBps = bytes / median(back) / mb;
  const jsonRoundTripMBps = (2 * jsonBytes) / median(jsonTimes) / mb;
  const rawRoundTripMBps = (2 * bytes) / (median(there) + median(back)) / mb;
  return {
    bytes,
    tsToPythonMBps,
    pythonToTsMBps,
    best: { tsToPythonMBps: bytes / Math.min(...there) / mb, pythonToTsMBps: bytes / Math.min(...back) / mb },
    json: { bytes: jsonBytes, roundTripMBps: jsonRoundTripMBps, roundTripMs: median(jsonTimes) * 1e3 },
    callRoundTripUs: median(trips),
    speedupOverJson: rawRoundTripMBps / jsonRoundTripMBps,
    python: versions.python,
    torch: versions.torch,
  };
}

/** The result as the lines `npm run bench` prints. */
export function formatBridgeBench(r: BridgeBenchResult): string {
  return [
    `bridge: ${(r.bytes / 2 ** 20).toFixed(0)} MiB float32 TS -> Python ${r.tsToPythonMBps.toFixed(0)} MB/s, Python -> TS ${r.pythonToTsMBps.toFixed(0)} MB/s (median; best ${r.best.tsToPythonMBps.toFixed(0)} / ${r.best.pythonToTsMBps.toFixed(0)} MB/s; raw bytes through a shared-memory file)`,
    `bridge: pythonia plain JSON path (${(r.json.bytes / 2 ** 20).toFixed(0)} MiB, both ways) ${r.json.roundTripMBps.toFixed(1)} MB/s; raw path is ${r.speedupOverJson.toFixed(0)}x faster`,
    `bridge: call round trip ${r.callRoundTripUs.toFixed(0)} µs (median); Python ${r.python}, torch ${r.torch}`,
  ].join('\n');
}
