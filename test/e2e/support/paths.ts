import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the services run from here, like `npm start`). */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url));

/** Screenshots and process logs: test-artifacts/e2e/<scenario>/ (gitignored). */
export const artifactsRoot: string = join(repoRoot, 'test-artifacts', 'e2e');
