import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { format, resolveConfig } from 'prettier';

/**
 * Writes a generated table as JSON formatted as the repository's Prettier would, so regenerating and
 * `prettier --check .` agree; returns the text written.
 */
export async function writeGeneratedJson(out: string, value: unknown): Promise<string> {
  const text = await format(JSON.stringify(value), { ...(await resolveConfig(out)), filepath: out });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  return text;
}
