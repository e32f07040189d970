// Test helper: starts a bridge from the built dist/ (interpreter = argv[2]), prints the Python pid, waits to be killed.
const { PythonBridge } = await import(new URL('../../dist/bridge/index.js', import.meta.url).href);
const py = await PythonBridge.start({ python: process.argv[2] });
console.log(JSON.stringify({ pid: py.pid }));
setInterval(() => undefined, 1000);
