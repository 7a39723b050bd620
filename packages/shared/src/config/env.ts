import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';

/**
 * A service's configuration schema: a zod object whose keys are the environment variable names
 * themselves, so the README table, docker-compose.yml and the code can be checked against each other.
 */
export type EnvSchema = z.ZodObject<Record<string, z.ZodType>>;

/**
 * The schemas of secret variables (tokens, passwords, keys). Each may come from a file instead, named by
 * `<VAR>_FILE` (the convention of Docker secrets and of the official images), so a secret need not sit in
 * the environment of the process or in a compose file.
 */
const secrets = new WeakSet<z.ZodType>();

/** Marks a variable's schema as a secret: `<VAR>_FILE` may name a file holding its value. */
function secret<T extends z.ZodType>(schema: T): T {
  secrets.add(schema);
  return schema;
}

/** The secret variables of a schema (see {@link secret}). */
export function secretVariablesOf(schema: EnvSchema): string[] {
  return Object.entries(schema.shape).filter(([, type]) => secrets.has(type)).map(([name]) => name);
}

/** Secret files are small (a token, a key, an nkey seed): anything larger is not one. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * Parses `env` once at start-up. Empty strings count as unset (compose files often pass `VAR=`), so the
 * schema's default applies. A secret variable may instead be read from the file `<VAR>_FILE` names (one
 * trailing newline is dropped); setting both is an error. Throws {@link ConfigError} naming every bad
 * variable.
 */
export function loadConfig<S extends EnvSchema>(service: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const input: Record<string, string> = {};
  const fileIssues: ConfigIssue[] = [];
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  for (const key of secretVariablesOf(schema)) {
    const fileVariable = `${key}_FILE`;
    const file = env[fileVariable];
    if (file === undefined || file === '') continue;
    if (key in input) {
      fileIssues.push({ variable: fileVariable, message: `set ${key} or ${fileVariable}, not both` });
      continue;
    }
    const read = readSecretFile(file);
    if (typeof read === 'string') input[key] = read;
    else fileIssues.push({ variable: fileVariable, message: read.problem });
  }
  const parsed = schema.safeParse(input);
  const issues: ConfigIssue[] = [...fileIssues];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? '(root)');
      // A variable whose file could not be read is reported once, for the file.
      if (fileIssues.some((i) => i.variable === `${variable}_FILE`)) continue;
      // A value read from a file is reported under the file's variable, which is what the operator set.
      const fromFile = env[`${variable}_FILE`] !== undefined && env[`${variable}_FILE`] !== '' && secrets.has(schema.shape[variable] as z.ZodType);
      issues.push({ variable: fromFile ? `${variable}_FILE` : variable, message: issue.message });
    }
  }
  if (issues.length > 0) throw new ConfigError(service, issues);
  return parsed.data as z.infer<S>;
}

function readSecretFile(file: string): string | { problem: string } {
  let text: string;
  try {
    const data = readFileSync(file);
    if (data.length > MAX_SECRET_FILE_BYTES) return { problem: `'${file}' is larger than ${MAX_SECRET_FILE_BYTES} bytes; not a secret file` };
    text = data.toString('utf8');
  } catch (err) {
    // The message names the path and the errno (ENOENT, EACCES), never the content.
    return { problem: `cannot read '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  text = text.replace(/\r?\n$/, '');
  return text === '' ? { problem: `'${file}' is empty` } : text;
}

/** The names of the variables a schema reads (for docs and the compose check), `<VAR>_FILE` included. */
export function variablesOf(schema: EnvSchema): string[] {
  return describeConfig(schema).map((d) => d.variable);
}

/** One row of the README's configuration table. */
export interface ConfigDoc {
  variable: string;
  default: string;
  description: string;
}

export function describeConfig(schema: EnvSchema): ConfigDoc[] {
  return Object.entries(schema.shape).flatMap(([variable, type]) => {
    const json = z.toJSONSchema(type, { io: 'input', unrepresentable: 'any' }) as { default?: unknown; description?: string };
    const def = json.default;
    const doc: ConfigDoc = {
      variable,
      default: def === undefined ? '' : typeof def === 'string' ? def : JSON.stringify(def),
      description: type.description ?? json.description ?? '',
    };
    if (!secrets.has(type)) return [doc];
    return [doc, { variable: `${variable}_FILE`, default: '', description: `File holding ${variable} (instead of the variable; one trailing newline is dropped)` }];
  });
}

// Building blocks: each env var is text; these coerce and say what they expect.
export const env = {
  port: (def: number, description: string) =>
    z.coerce.number().int().min(0).max(65535).default(def).describe(description),
  int: (def: number, description: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(def).describe(description),
  string: (def: string, description: string) => z.string().min(1).default(def).describe(description),
  optionalString: (description: string) => z.string().min(1).optional().describe(description),
  bool: (def: boolean, description: string) =>
    z.enum(['true', 'false', '1', '0', 'yes', 'no']).default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes').describe(description),
  host: (def: string, description: string) =>
    z.string().regex(/^[A-Za-z0-9.:\-[\]]+$/, 'expected a host name or IP address').default(def).describe(description),
  url: (def: string, description: string, protocols: RegExp) =>
    z.string().refine((v) => {
      try {
        return v.split(',').every((u) => protocols.test(new URL(u.trim()).protocol));
      } catch {
        return false;
      }
    }, `expected a URL matching ${protocols}`).default(def).describe(description),
  logLevel: () =>
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  /** A secret (see {@link secret}): also readable from `<VAR>_FILE`. */
  secret,
};
