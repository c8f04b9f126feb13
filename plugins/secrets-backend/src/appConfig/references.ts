import type { ConfigSourceData } from '@backstage/config-loader';
import { loadConfigSchema } from '@backstage/config-loader';
import { getPackages } from '@manypkg/get-packages';
import fs from 'node:fs';
import path from 'node:path';

/*
 * Where app-config references the `appConfig` secrets, and the rule that a
 * stored value is substituted only at keys whose config schema says
 * `@visibility secret` (so it never reaches the frontend's config and the
 * root logger always redacts it).
 */

const MARK = '\u0000backstage-secrets-app-config:';

/** What a reference reads as while the references are being located. */
export function referenceMarker(name: string): string {
  return `${MARK}${name}\u0000`;
}

function namesIn(value: string): string[] {
  return value
    .split(MARK)
    .slice(1)
    .map(part => part.slice(0, part.indexOf('\u0000')));
}

type Schema = Awaited<ReturnType<typeof loadConfigSchema>>;
const schemas = new Map<string, Promise<Schema>>();

/**
 * The config schema of the backend in the working directory, loaded the way
 * the stock root logger loads it for redaction (every package of the
 * workspace), plus the working directory's own package; once per process.
 */
function backendSchema(dir: string): Promise<Schema> {
  let schema = schemas.get(dir);
  if (!schema) {
    schema = (async () => {
      const { packages } = await getPackages(dir).catch(() => ({
        packages: [] as Array<{ packageJson: { name: string } }>,
      }));
      const own = path.resolve(dir, 'package.json');
      return loadConfigSchema({
        dependencies: packages.map(p => p.packageJson.name),
        packagePaths: fs.existsSync(own) ? [own] : [],
        onSchemaError: () => {},
      });
    })();
    schemas.set(dir, schema);
  }
  return schema;
}

/**
 * The keys that reference each secret (data read with `referenceMarker`
 * substituted). Fails, naming the key and the secret, when one of those
 * keys is not `@visibility secret` in the config schema.
 */
export async function locateReferences(
  configs: ConfigSourceData[],
  dir: string = process.cwd(),
): Promise<Map<string, string[]>> {
  const paths = new Map<string, string[]>();
  if (
    !configs.some(c =>
      JSON.stringify(c.data).includes('backstage-secrets-app-config:'),
    )
  ) {
    return paths;
  }
  const refused: string[] = [];
  const schema = await backendSchema(dir);
  schema.process(configs, {
    ignoreSchemaErrors: true,
    valueTransform: (value, context) => {
      if (typeof value !== 'string' || !value.includes(MARK)) return value;
      for (const name of namesIn(value)) {
        if (/^(secrets|backend\.database)(\.|\[|$)/.test(context.path)) {
          refused.push(
            `app-config key ${context.path} references the stored secret ${name} (\${${name}}), but the store's own configuration (its database and its encryption keys) cannot come from the store`,
          );
        } else if (context.visibility !== 'secret') {
          refused.push(
            `app-config key ${context.path} references the stored secret ${name} (\${${name}}), but the config schema does not mark ${context.path} as @visibility secret`,
          );
        }
        const known = paths.get(name) ?? [];
        if (!known.includes(context.path)) known.push(context.path);
        paths.set(name, known);
      }
      return value;
    },
  });
  if (refused.length > 0) {
    throw new Error(
      `${refused.join(
        '; ',
      )}. A stored secret is substituted only at keys whose schema visibility is secret, so that it never reaches the frontend or an unredacted log line: use an environment variable there, or move the reference to a secret key.`,
    );
  }
  return paths;
}
