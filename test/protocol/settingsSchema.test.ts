/**
 * The settings schema in server/src/lsp/settings.ts is the single source of truth; package.json's
 * `contributes.configuration` must say exactly the same: keys, types, defaults, enums, minimums.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from './support/lspSession';

type SettingsModule = typeof import('../../server/src/lsp/settings');
type JsonSchema = {
  type?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
};

const settingsModule = require(
  path.join(repoRoot, 'server', 'out', 'lsp', 'settings.js'),
) as SettingsModule;
const zod = require('zod') as typeof import('zod');
const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  contributes: {
    configuration: {
      title: string;
      properties: Record<string, JsonSchema & { markdownDescription?: string }>;
    }[];
  };
};
const contributed = Object.assign(
  {},
  ...manifest.contributes.configuration.map((section) => section.properties),
) as Record<string, JsonSchema & { markdownDescription?: string }>;

/** The parts of a JSON schema that both sides must agree on. */
function essentials(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { type: schema.type, default: schema.default };
  if (schema.enum) {
    // zod keeps enum values as object keys, which puts integer-like ones ('2015') first: compare as sets.
    out.enum = [...schema.enum].sort();
  }
  if (schema.minimum !== undefined) {
    out.minimum = schema.minimum;
  }
  if (schema.items) {
    out.items = essentials(schema.items);
  }
  if (schema.properties && schema.type === 'object') {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, essentials(v)]),
    );
  }
  return out;
}

/** The schema's settings, split into package.json keys: an object is a leaf when package.json has it as one key. */
function flatten(
  schema: JsonSchema,
  prefix: string,
  out: Map<string, JsonSchema>,
): Map<string, JsonSchema> {
  if (schema.type === 'object' && schema.properties && !(prefix in contributed)) {
    for (const [key, value] of Object.entries(schema.properties)) {
      flatten(value, `${prefix}.${key}`, out);
    }
  } else {
    out.set(prefix, schema);
  }
  return out;
}

describe('settings schema', () => {
  const fromSchema = flatten(
    zod.toJSONSchema(settingsModule.SettingsSchema, { io: 'input' }) as JsonSchema,
    'rustFutureSize',
    new Map(),
  );

  it('has exactly the keys that package.json contributes', () => {
    assert.deepStrictEqual([...fromSchema.keys()].sort(), Object.keys(contributed).sort());
  });

  it('agrees with package.json on types, defaults, enums and minimums', () => {
    for (const [key, schema] of fromSchema) {
      const ours = essentials(schema);
      if (ours.type === 'object') {
        // An object's default is its properties' defaults.
        ours.default = Object.fromEntries(
          Object.entries(ours.properties ?? {}).map(([k, v]) => [k, v.default]),
        );
      }
      assert.deepStrictEqual(essentials(contributed[key]), ours, key);
    }
  });

  it('gives every setting a one-sentence description', () => {
    for (const [key, value] of Object.entries(contributed)) {
      assert.match(value.markdownDescription ?? '', /^[A-Z].*\.$/, key);
    }
  });

  it('parses an empty configuration to the defaults, and rejects bad values with the key named', () => {
    assert.deepStrictEqual(settingsModule.parseSettings(undefined), {
      ok: true,
      settings: settingsModule.defaultSettings(),
    });
    const bad = settingsModule.parseSettings({
      largeValueThreshold: 0,
      inlayHints: { heldValues: { enable: 'yes' } },
    });
    assert.strictEqual(bad.ok, false);
    assert.deepStrictEqual(!bad.ok && bad.problems.map((p) => p.split(':')[0]), [
      '`rustFutureSize.inlayHints.heldValues.enable`',
      '`rustFutureSize.largeValueThreshold`',
    ]);
  });
});
