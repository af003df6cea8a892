/**
 * CI files read with the `yaml` package (YAML 1.2 core schema, so `on:` stays the key "on"). A file that is not
 * valid YAML reads as null: detection passes it over, it never throws. Scalars keep their JSON types.
 */
import { parseAllDocuments } from 'yaml';

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export function readYaml(source: string): YamlValue {
  try {
    // GitLab and friends sometimes hold several documents; the first one with content is the pipeline
    for (const doc of parseAllDocuments(source, { uniqueKeys: false, prettyErrors: false })) {
      if ('errors' in doc && doc.errors.length) continue;
      const value = doc.toJS({ maxAliasCount: 1000 }) as YamlValue | undefined;
      if (value !== undefined && value !== null) return value;
    }
  } catch {
    // an alias bomb, a malformed file: nothing usable
  }
  return null;
}

/** A scalar as the text a shell would see (`X: 1` is "1"); collections and null are not scalars. */
export function scalarText(value: YamlValue | undefined): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}
