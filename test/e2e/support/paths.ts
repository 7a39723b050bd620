import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the services run from here, like `npm start`). */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url));

/** Screenshots and process logs: test-artifacts/e2e/<scenario>/ (gitignored). */
export const artifactsRoot: string = join(repoRoot, 'test-artifacts', 'e2e');

/** Whether a service has a composition root yet (the pbx-adapter and media are being built). */
export function serviceExists(name: 'cti-gateway' | 'media' | 'pbx-adapter'): boolean {
  return existsSync(join(repoRoot, 'services', name, 'src', 'index.ts'));
}
