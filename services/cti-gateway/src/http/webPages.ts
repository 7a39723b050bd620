import { createHash } from 'node:crypto';
import fastifyStatic from '@fastify/static';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export interface WebPagesOptions {
  /** Directory of the web softphone's static files (index.html, js/, softphone.css). */
  root: string;
}

/**
 * What the pages load, and nothing else: their own scripts, styles and fonts; images from themselves
 * and `data:` (the softphone's favicon, Swagger UI's icons); fetch and WebSocket to their own origin
 * ('self' covers ws:/wss: of the same host). No inline script or style, no eval, no plugins, no
 * `<base>`; forms post to their own origin only. frame-ancestors 'none': no page may frame them
 * (clickjacking); X-Frame-Options DENY says the same to older browsers.
 */
function csp(styleSources: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src ${["'self'", ...styleSources].join(' ')}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The web softphone's policy. */
export const SOFTPHONE_CSP = csp();

/**
 * Swagger UI renders its logo as an SVG with this `<style>` element; the policy allows exactly this
 * text by its hash, no other inline style. A Swagger UI upgrade that changes it shows up as a CSP
 * violation in test/security/web.test.ts.
 */
const SWAGGER_LOGO_STYLE = '.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}';

/** The /docs OpenAPI UI's policy. */
export const DOCS_CSP = csp([`'sha256-${createHash('sha256').update(SWAGGER_LOGO_STYLE).digest('base64')}'`]);

/** Sends `policy` and the hardening headers with every response of `scope` (an encapsulated context). */
function hardenPages(scope: FastifyInstance, policy: string): void {
  const headers: Readonly<Record<string, string>> = {
    'content-security-policy': policy,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  scope.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(headers);
    return payload;
  });
}

/**
 * The gateway's web pages, each in its own encapsulated context with its policy: the admin API's
 * OpenAPI UI (`/docs`), the web softphone (`/`, static files) and the admin console (`/admin/`, static
 * files under the softphone's policy: no inline script or style either). The hooks cover exactly these routes
 * (the JSON API, the WebSocket and /metrics are unaffected). The OpenAPI document itself is collected
 * by @fastify/swagger at the root, which Swagger UI reads.
 */
export async function webPages(app: FastifyInstance, options: WebPagesOptions): Promise<void> {
  await app.register(async (docs) => {
    hardenPages(docs, DOCS_CSP);
    await docs.register(fastifySwaggerUi, { routePrefix: '/docs' });
  });
  await app.register(async (softphone) => {
    hardenPages(softphone, SOFTPHONE_CSP);
    // The admin console lives in web/public/admin (its scripts in js/admin); /admin is its address.
    softphone.get('/admin', { schema: { hide: true } }, (_req, reply) => reply.redirect('/admin/'));
    // static files: the TypeScript in web/src compiles into web/public/js
    await softphone.register(fastifyStatic, { root: options.root, prefix: '/', index: ['index.html'], cacheControl: false });
  });
}
