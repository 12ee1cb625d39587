// ajv's side of bench_schema.sh and of the suite table: run with
// NODE_PATH pointing at a node_modules holding ajv and ajv-formats.
//   node schema_ajv.js bench DIR    median validation time of DIR/config.json
//                                  against DIR/schema.json (compiled once)
//   node schema_ajv.js suite ROOT EXPECTED
//                                  per-file pass counts on the official suite,
//                                  with the same cases and options as
//                                  tests/unit/test_schema_suite.c
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv').default;
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

function make(draft2020, formats) {
  const A = draft2020 ? Ajv2020 : Ajv;
  const ajv = new A({ strict: false, allErrors: true, validateFormats: formats, logger: false });
  addFormats(ajv);
  return ajv;
}

function bench(dir) {
  const schema = JSON.parse(fs.readFileSync(path.join(dir, 'schema.json'), 'utf8'));
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const validate = make(false, true).compile(schema);
  const runs = 2000, t = [];
  if (!validate(config)) throw new Error('ajv: the config should be valid: ' + JSON.stringify(validate.errors));
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    validate(config);
    t.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  t.sort((a, b) => a - b);
  console.log(`ajv ${require('ajv/package.json').version} (compiled, allErrors), 200-field config: median ${t[runs >> 1].toFixed(1)} us`);
}

function files(root, rel, out) {
  for (const e of fs.readdirSync(path.join(root, rel)).sort()) {
    const r = rel + '/' + e;
    if (e.endsWith('.json')) { if (e !== 'refRemote.json') out.push(r); }
    else files(root, r, out);
  }
  return out;
}

function suite(root, expected) {
  const remote = new Set(fs.readFileSync(expected, 'utf8').split('\n')
    .filter(l => l.startsWith('remote\t')).map(l => l.slice(7)));
  const list = files(root, 'draft2020-12', []).concat(files(root, 'draft7', [])).sort();
  for (const rel of list) {
    const d2020 = rel.startsWith('draft2020-12/');
    const formats = rel !== 'draft2020-12/format.json';
    let pass = 0, total = 0;
    for (const g of JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8'))) {
      if (remote.has(rel + '\t' + g.description)) continue;
      let validate = null;
      try { validate = make(d2020, formats).compile(g.schema); } catch (e) { validate = null; }
      for (const t of g.tests) {
        total++;
        let ok = false;
        try { ok = validate !== null && validate(t.data) === t.valid; } catch (e) { ok = false; }
        if (ok) pass++;
      }
    }
    console.log(`${rel}\t${pass}\t${total}`);
  }
}

if (process.argv[2] === 'bench') bench(process.argv[3]);
else if (process.argv[2] === 'suite') suite(process.argv[3], process.argv[4]);
else { console.error('usage: schema_ajv.js bench DIR | suite ROOT EXPECTED'); process.exit(2); }
