// Offline checks of the Terraform under infra/terraform (no terraform binary needed):
//
//  1. every .tf file parses (HCL syntax, via @cdktf/hcl2json), and so do *.tfvars.example and
//     *.hcl.example;
//  2. every variable has a type and a description, every output a description;
//  3. every module and env directory has the standard files and a README.md whose Inputs and
//     Outputs tables list exactly its variables and outputs (`| \`name\` |` rows);
//  4. every directory pins required_version, and every required_providers entry has a version;
//  5. references resolve: var.X, local.X, module.X(.output), data.T.N and resource T.N name
//     something declared in the directory; module calls pass only declared variables and every
//     required one; each declared variable and local is used; tfvars examples set only
//     declared variables.
//
// Usage: node check-terraform.mjs TERRAFORM_DIR NODE_MODULES_DIR
// Exit status 0 when everything holds, 1 with one line per problem otherwise.

import { createRequire } from "node:module";
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join, relative, resolve, dirname, basename } from "node:path";

const [root, nodeModules] = process.argv.slice(2).map((p) => p && resolve(p));
if (!root || !nodeModules) {
  console.error("usage: check-terraform.mjs TERRAFORM_DIR NODE_MODULES_DIR");
  process.exit(2);
}
const { parse } = createRequire(join(nodeModules, "noop.js"))("@cdktf/hcl2json");

const STANDARD_FILES = ["main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"];
const META_ARGUMENTS = new Set(["source", "version", "providers", "depends_on", "count", "for_each"]);
const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

// --- Collect and parse -----------------------------------------------------------------------

function walk(dir) {
  const files = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry === ".terraform" || entry === "node_modules" || entry.startsWith(".git")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...walk(path));
    else files.push(path);
  }
  return files;
}

const files = walk(root);
const tfFiles = files.filter((f) => f.endsWith(".tf"));
const exampleFiles = files.filter((f) => f.endsWith(".tfvars.example") || f.endsWith(".hcl.example"));
const rel = (p) => relative(root, p) || ".";

async function parseFile(path) {
  try {
    return await parse(basename(path), readFileSync(path, "utf8"));
  } catch (e) {
    // The parser's message names the file, line and column, e.g. "main.tf:5,15-16: Unclosed ...".
    const message = String(e && e.message ? e.message : e).replace(/^parse config: /, "");
    problem(rel(path), `does not parse: ${message}`);
    return null;
  }
}

// One merged view per directory: what Terraform itself would load together.
const dirs = new Map();
for (const path of tfFiles) {
  const dir = dirname(path);
  if (!dirs.has(dir)) {
    dirs.set(dir, { variables: {}, outputs: {}, locals: {}, modules: {}, resources: new Set(), data: new Set(), terraform: [], bodies: [], broken: false });
  }
  const d = dirs.get(dir);
  const json = await parseFile(path);
  if (!json) {
    d.broken = true;
    continue;
  }
  d.bodies.push(json);
  for (const [name, blocks] of Object.entries(json.variable ?? {})) d.variables[name] = blocks[0];
  for (const [name, blocks] of Object.entries(json.output ?? {})) d.outputs[name] = blocks[0];
  for (const block of json.locals ?? []) Object.assign(d.locals, block);
  for (const [name, blocks] of Object.entries(json.module ?? {})) d.modules[name] = blocks[0];
  for (const [type, byName] of Object.entries(json.resource ?? {})) for (const name of Object.keys(byName)) d.resources.add(`${type}.${name}`);
  for (const [type, byName] of Object.entries(json.data ?? {})) for (const name of Object.keys(byName)) d.data.add(`${type}.${name}`);
  d.terraform.push(...(json.terraform ?? []));
}
const examples = new Map();
for (const path of exampleFiles) examples.set(path, await parseFile(path));

// --- Per-directory checks --------------------------------------------------------------------

// Every string that holds an expression ("${...}"), anywhere in a parsed body.
function expressions(value, out = []) {
  if (typeof value === "string") {
    if (value.includes("${")) out.push(value);
  } else if (Array.isArray(value)) {
    value.forEach((v) => expressions(v, out));
  } else if (value && typeof value === "object") {
    Object.values(value).forEach((v) => expressions(v, out));
  }
  return out;
}

// README table rows of one "## Heading" section: the backticked names in the first column.
function readmeNames(readme, heading) {
  const section = readme.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) return null;
  return new Set([...section.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((m) => m[1]));
}

let moduleCount = 0;
let envCount = 0;
let variableCount = 0;
let outputCount = 0;

for (const [dir, d] of [...dirs.entries()].sort()) {
  const where = rel(dir);
  const kind = basename(dirname(dir));
  if (kind === "modules") moduleCount++;
  else if (kind === "envs") envCount++;
  // A directory with a file that does not parse is only reported as such: anything else said
  // about it would follow from the missing file.
  if (d.broken) continue;

  for (const file of STANDARD_FILES) {
    if (!existsSync(join(dir, file))) problem(where, `missing ${file} (standard module layout)`);
  }

  // Types and descriptions.
  for (const [name, v] of Object.entries(d.variables)) {
    variableCount++;
    if (!v.type) problem(where, `variable "${name}" has no type`);
    if (typeof v.description !== "string" || !v.description.trim()) problem(where, `variable "${name}" has no description`);
  }
  for (const [name, o] of Object.entries(d.outputs)) {
    outputCount++;
    if (typeof o.description !== "string" || !o.description.trim()) problem(where, `output "${name}" has no description`);
  }

  // README tables, both ways.
  const readmePath = join(dir, "README.md");
  if (existsSync(readmePath)) {
    const readme = readFileSync(readmePath, "utf8");
    for (const [heading, declared, what] of [["Inputs", d.variables, "variable"], ["Outputs", d.outputs, "output"]]) {
      const names = Object.keys(declared);
      if (names.length === 0) continue;
      const documented = readmeNames(readme, heading);
      if (!documented) {
        problem(`${where}/README.md`, `no "## ${heading}" section`);
        continue;
      }
      for (const name of names) {
        if (!documented.has(name)) problem(`${where}/README.md`, `${what} "${name}" is not in the ${heading} table (| \`${name}\` | ...)`);
      }
      for (const name of documented) {
        if (!(name in declared)) problem(`${where}/README.md`, `${heading} table lists "${name}", which is no ${what} of ${where}`);
      }
    }
  }

  // Version pins.
  const requiredVersion = d.terraform.find((t) => t.required_version)?.required_version;
  if (!requiredVersion) problem(where, "no terraform { required_version }");
  for (const t of d.terraform) {
    for (const providers of t.required_providers ?? []) {
      for (const [name, spec] of Object.entries(providers)) {
        if (typeof spec !== "object" || !spec.version) problem(where, `required_providers.${name} has no version`);
        if (typeof spec !== "object" || !spec.source) problem(where, `required_providers.${name} has no source`);
      }
    }
  }

  // References.
  const exprs = d.bodies.flatMap((b) => expressions(b)).join("\n");
  const usedVars = new Set([...exprs.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)].map((m) => m[1]));
  const usedLocals = new Set([...exprs.matchAll(/\blocal\.([A-Za-z_][\w-]*)/g)].map((m) => m[1]));
  for (const name of usedVars) if (!(name in d.variables)) problem(where, `var.${name} is not declared`);
  for (const name of Object.keys(d.variables)) if (!usedVars.has(name)) problem(where, `variable "${name}" is never used`);
  for (const name of usedLocals) if (!(name in d.locals)) problem(where, `local.${name} is not declared`);
  for (const name of Object.keys(d.locals)) if (!usedLocals.has(name)) problem(where, `local "${name}" is never used`);
  for (const m of exprs.matchAll(/\bdata\.([a-z][\w]*)\.([A-Za-z_][\w-]*)/g)) {
    if (!d.data.has(`${m[1]}.${m[2]}`)) problem(where, `data.${m[1]}.${m[2]} is not declared`);
  }
  for (const m of exprs.matchAll(/(?<![\w.])((?:aws|random)_[a-z0-9_]+)\.([A-Za-z_][\w-]*)/g)) {
    if (!d.resources.has(`${m[1]}.${m[2]}`)) problem(where, `${m[1]}.${m[2]} is not declared`);
  }

  // Module calls against the called module's variables and outputs.
  for (const m of exprs.matchAll(/\bmodule\.([A-Za-z_][\w-]*)(?:\[[^\]]*\]|\[\*\])?(?:\.([A-Za-z_][\w-]*))?/g)) {
    const call = d.modules[m[1]];
    if (!call) {
      problem(where, `module.${m[1]} is not declared`);
      continue;
    }
    const target = dirs.get(resolve(dir, call.source));
    if (target && !target.broken && m[2] && !(m[2] in target.outputs)) problem(where, `module.${m[1]}.${m[2]}: ${rel(resolve(dir, call.source))} has no output "${m[2]}"`);
  }
  for (const [name, call] of Object.entries(d.modules)) {
    if (typeof call.source !== "string" || !call.source.startsWith(".")) continue;
    const targetDir = resolve(dir, call.source);
    const target = dirs.get(targetDir);
    if (!target) {
      problem(where, `module "${name}": source ${call.source} has no .tf files`);
      continue;
    }
    if (target.broken) continue;
    for (const arg of Object.keys(call)) {
      if (!META_ARGUMENTS.has(arg) && !(arg in target.variables)) problem(where, `module "${name}": ${rel(targetDir)} has no variable "${arg}"`);
    }
    for (const [variable, spec] of Object.entries(target.variables)) {
      if (!("default" in spec) && !(variable in call)) problem(where, `module "${name}": required variable "${variable}" of ${rel(targetDir)} is not set`);
    }
  }
}

// Example variable files set only variables of their directory.
for (const [path, json] of examples) {
  if (!json || !path.endsWith(".tfvars.example")) continue;
  const d = dirs.get(dirname(path));
  for (const name of Object.keys(json)) {
    if (!d || !(name in d.variables)) problem(rel(path), `sets "${name}", which is no variable of ${rel(dirname(path))}`);
  }
}

// --- Report ----------------------------------------------------------------------------------

if (problems.length > 0) {
  for (const p of problems) console.error(`terraform check: ${p}`);
  console.error(`terraform check: FAILED, ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(
  `terraform: ${tfFiles.length} files parsed (+${exampleFiles.length} examples), ${moduleCount} modules, ${envCount} envs, ` +
    `${variableCount} variables and ${outputCount} outputs documented, references resolved`,
);
