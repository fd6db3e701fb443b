// `node --import ./load-log.mjs ...`: logs every module the process loads, one URL or path a
// line, to $CHART_LOAD_LOG. ESM imports (static and dynamic) through a resolve hook; CommonJS
// require() through Module._load. Used to check that light commands never load heavy modules.
import { appendFileSync } from "node:fs";
import Module, { register } from "node:module";

const log = process.env.CHART_LOAD_LOG;
if (log) {
  const hooks = `
    import { appendFileSync } from "node:fs";
    export async function resolve(specifier, context, next) {
      const r = await next(specifier, context);
      appendFileSync(${JSON.stringify(log)}, r.url + "\\n");
      return r;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    appendFileSync(log, `require:${request} from ${parent?.filename ?? "?"}\n`);
    return load.call(this, request, parent, isMain);
  };
}
