// Reads CUE files with two independent npm parsers and prints what each understood.
// Usage: node read_cue.mjs <node_modules dir> <encoding> <file>...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [modules, encoding, ...files] = process.argv.slice(2);
const gplane = await import(pathToFileURL(join(modules, '@gplane/cue/dist/index.js')).href);
const require = createRequire(join(modules, 'x.js'));
const cueParser = require('cue-parser');

const frames = ([m, s, f]) => (m * 60 + s) * 75 + f;
const out = {};
for (const file of files) {
  const text = readFileSync(file, encoding === 'latin-1' ? 'latin1' : 'utf8');
  const { sheet, errors } = gplane.parse(text, { fatal: false });
  const gTracks = sheet.files.flatMap((f) => f.tracks);
  let cp;
  try {
    const parsed = cueParser.parse(file);
    const tracks = parsed.files.flatMap((f) => f.tracks);
    cp = {
      title: parsed.title ?? null,
      performer: parsed.performer ?? null,
      starts: tracks.map((t) => {
        const i = t.indexes.find((x) => x.number === 1);
        return i ? frames([i.time.min, i.time.sec, i.time.frame]) : null;
      }),
      titles: tracks.map((t) => t.title ?? null),
    };
  } catch (e) {
    cp = { error: String(e) };
  }
  out[file] = {
    gplane: {
      errors: errors.map((e) => `${e.kind}@${e.line}`),
      title: sheet.title ?? null,
      performer: sheet.performer ?? null,
      starts: gTracks.map((t) => {
        const i = t.indexes.find((x) => x.number === 1);
        return i ? frames(i.startingTime) : null;
      }),
      titles: gTracks.map((t) => t.title ?? null),
      performers: gTracks.map((t) => t.performer ?? null),
    },
    cueparser: cp,
  };
}
process.stdout.write(JSON.stringify(out));
