import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';

/**
 * A service's configuration schema: a zod object whose keys are the environment variable names
 * themselves, so the README table, docker-compose.yml and the code can be checked against each other.
 */
export type EnvSchema = z.ZodObject<Record<string, z.ZodType>>;

/**
 * Parses `env` once at start-up. Empty strings count as unset (compose files often pass `VAR=`), so the
 * schema's default applies. Throws {@link ConfigError} naming every bad variable.
 */
export function loadConfig<S extends EnvSchema>(service: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues: ConfigIssue[] = parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(root)'),
      message: issue.message,
    }));
    throw new ConfigError(service, issues);
  }
  return parsed.data;
}

/** The names of the variables a schema reads (for docs and the compose check). */
export function variablesOf(schema: EnvSchema): string[] {
  return Object.keys(schema.shape);
}

/** One row of the README's configuration table. */
export interface ConfigDoc {
  variable: string;
  default: string;
  description: string;
}

export function describeConfig(schema: EnvSchema): ConfigDoc[] {
  return Object.entries(schema.shape).map(([variable, type]) => {
    const json = z.toJSONSchema(type, { io: 'input', unrepresentable: 'any' }) as { default?: unknown; description?: string };
    const def = json.default;
    return {
      variable,
      default: def === undefined ? '' : typeof def === 'string' ? def : JSON.stringify(def),
      description: type.description ?? json.description ?? '',
    };
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
};
