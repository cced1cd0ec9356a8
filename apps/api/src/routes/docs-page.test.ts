import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Authenticator } from '../auth/authenticator.js';
import { parseTokenList } from '../auth/token-config.js';
import { errorOf, memoryApp, type TestApp } from '../test/fixtures.js';
import { DOCS_ASSET_NAMES } from './docs-page.js';

const TOKEN = 'docs-reader-0123456789';
const ORIGIN = 'http://api.test';
const SWAGGER_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/**
 * Every URL a file names, as a browser reads it: `src`/`href` in HTML, `url(...)` in CSS, the
 * source map named by the last comment of CSS and JavaScript.
 */
function referencesIn(text: string, contentType: string): string[] {
  const patterns: RegExp[] = [];
  if (contentType.startsWith('text/html'))
    patterns.push(/\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi);
  if (contentType.startsWith('text/css'))
    patterns.push(/url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)'"]*))\s*\)/gi);
  if (contentType.startsWith('text/css') || contentType.startsWith('text/javascript'))
    patterns.push(/^\s*(?:\/\*|\/\/)[#@]\s*sourceMappingURL=([^\s*]+)/gm);
  const found: string[] = [];
  for (const pattern of patterns) {
    for (const m of text.matchAll(pattern))
      found.push((m.slice(1).find((g) => g !== undefined) ?? '').trim());
  }
  return found;
}

/** The server's own path of a reference, null for an inline `data:` one; fails on another origin. */
function ownPath(reference: string, from: string): string | null {
  if (reference.startsWith('data:')) return null;
  const url = new URL(reference, `${ORIGIN}${from}`);
  expect(url.origin, `${reference} (in ${from}) is not on the server`).toBe(ORIGIN);
  return url.pathname;
}

/**
 * Loads /docs as a browser would, following every reference of every file, and checks each file:
 * 200, the CSP on it, and every reference on the server itself. Answers the paths fetched.
 */
async function crawlDocs(t: TestApp, token?: string): Promise<Map<string, string>> {
  const fetched = new Map<string, string>();
  const queue = ['/docs'];
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (fetched.has(path)) continue;
    const r = await t.call('GET', path, { token });
    expect(r.status, path).toBe(200);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp, path).toContain("default-src 'none'");
    const text = await r.text();
    const contentType = r.headers.get('content-type') ?? '';
    fetched.set(path, contentType);
    for (const reference of referencesIn(text, contentType)) {
      const own = ownPath(reference, path);
      if (own !== null) queue.push(own);
    }
  }
  return fetched;
}

describe('/docs: Swagger UI from the server itself', () => {
  it('serves the page and every file it references, none from another origin', async () => {
    const t = memoryApp();
    const fetched = await crawlDocs(t);
    expect([...fetched.keys()].sort()).toEqual(
      [
        '/docs',
        '/docs/docs-init.js',
        '/docs/swagger-ui-bundle.js',
        '/docs/swagger-ui.css',
        '/docs/swagger-ui.css.map',
      ].sort(),
    );
    expect(fetched.get('/docs')).toContain('text/html');
    expect(fetched.get('/docs/swagger-ui.css')).toContain('text/css');
    expect(fetched.get('/docs/swagger-ui-bundle.js')).toContain('text/javascript');
    // What the initializer loads: this server's document, and no validator (an outside service).
    const init = await (await t.call('GET', '/docs/docs-init.js')).text();
    expect(init).toContain("url: '/openapi.json'");
    expect(init).toContain('validatorUrl: null');
    expect((await t.call('GET', '/openapi.json')).status).toBe(200);
  });

  it('serves swagger-ui-dist as installed, byte for byte', async () => {
    const t = memoryApp();
    for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
      const served = Buffer.from(await (await t.call('GET', `/docs/${file}`)).arrayBuffer());
      expect(served.equals(readFileSync(join(SWAGGER_DIR, file))), file).toBe(true);
    }
  });

  it('has no inline script and a Content-Security-Policy that allows this origin only', async () => {
    const t = memoryApp();
    const page = await t.call('GET', '/docs');
    const html = await page.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBe(html.match(/<script\b/gi)?.length);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc=/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\son[a-z]+\s*=/i);
    const directives = new Map(
      (page.headers.get('content-security-policy') ?? '')
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...sources]) => [name!, sources]),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    for (const name of ['script-src', 'connect-src', 'font-src'])
      expect(directives.get(name)).toEqual(["'self'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:']);
    expect(directives.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    for (const [name, sources] of directives) {
      for (const source of sources) {
        expect(source, name).not.toMatch(/\*|:\/\/|^https?:$|^[a-z0-9.-]+\.[a-z]{2,}/i);
      }
    }
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('needs a token like /openapi.json, unless the docs are public', async () => {
    const auth = await Authenticator.create({ tokens: parseTokenList(`docs:${TOKEN}`) });
    const locked = memoryApp({ auth });
    for (const path of ['/docs', ...DOCS_ASSET_NAMES.map((n) => `/docs/${n}`)]) {
      const r = await locked.call('GET', path);
      expect(r.status, path).toBe(401);
      expect((await errorOf(r)).code).toBe('AUTH_001');
    }
    expect((await crawlDocs(locked, TOKEN)).size).toBe(DOCS_ASSET_NAMES.length + 1);

    const open = memoryApp({ auth, docsPublic: true });
    expect((await crawlDocs(open)).size).toBe(DOCS_ASSET_NAMES.length + 1);
    expect((await open.call('GET', '/api/devices')).status).toBe(401);
  });

  it('answers 404 CACHE_001 for any other name under /docs/, never a file of the disk', async () => {
    const t = memoryApp();
    const names = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom(
        '../package.json',
        '..%2Fpackage.json',
        'index.html',
        'swagger-ui.js',
        'SWAGGER-UI.CSS',
      ),
      fc.constantFrom(...DOCS_ASSET_NAMES).map((n) => `${n}x`),
    );
    await fc.assert(
      fc.asyncProperty(names, async (name) => {
        fc.pre(!DOCS_ASSET_NAMES.includes(name));
        const r = await t.call('GET', `/docs/${encodeURIComponent(name)}`);
        expect(r.status).toBe(404);
        expect((await errorOf(r)).code).toBe('CACHE_001');
      }),
      { numRuns: 300 },
    );
  });
});
