// Run a Python file in Pyodide under node, from a site's runtime folder (static/pyodide), offline.
//   node tests/site_pyodide.mjs RUNTIME_DIR SCRIPT.py
// chainrule and its dependencies load from the folder's lock and local wheels. Prints one JSON
// line: the script's last expression (a JSON string), the load time, and every fetch() tried.
import path from 'node:path';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const [runtime, script] = process.argv.slice(2);
const indexURL = path.resolve(runtime) + '/';
const { loadPyodide } = await import(pathToFileURL(indexURL + 'pyodide.mjs'));
const fetched = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, ...rest) => {
  fetched.push(String(url.url || url));
  return realFetch(url, ...rest);
};
const t0 = performance.now();
const py = await loadPyodide({ indexURL, packages: ['chainrule'] });
const loadMs = performance.now() - t0;
let result;
try {
  result = JSON.parse(await py.runPythonAsync(fs.readFileSync(script, 'utf8')));
} catch (e) {
  result = { error: String(e.message || e).slice(-4000) };
}
console.log(JSON.stringify({ result, loadMs, fetched, loaded: Object.keys(py.loadedPackages) }));
