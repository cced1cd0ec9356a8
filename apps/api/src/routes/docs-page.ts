import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { NotFoundError } from '@org/cache-core';
import { z } from 'zod';
import type { PathParam } from '../route-table/params.js';

/**
 * The Swagger UI page of `/docs`, served entirely by the API: the HTML, our initializer and the
 * files of the `swagger-ui-dist` package (a dependency of the API, so installed wherever the API
 * is). Nothing is loaded from another origin, and the Content-Security-Policy forbids it, so the
 * page works on networks without Internet access.
 */

/** Where every docs file is served: `/docs/<name>`. */
export const DOCS_ASSET_BASE = '/docs/';

/** Only this server: scripts, styles, images (the CSS's icons are `data:` URIs) and `fetch`. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Swagger UI sets style attributes on its elements; styles still come from this server only.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every docs answer. */
export const DOCS_HEADERS = {
  'content-security-policy': DOCS_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The initializer: the document of this server, no validator badge (it would call an outside service). */
const INITIALIZER = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  persistAuthorization: true,
  validatorUrl: null,
});
`;

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Device cache API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${DOCS_ASSET_BASE}swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_ASSET_BASE}swagger-ui-bundle.js"></script>
<script src="${DOCS_ASSET_BASE}docs-init.js"></script>
</body>
</html>
`;

interface DocsAsset {
  contentType: string;
  /** A file of swagger-ui-dist, or the text itself. */
  source: { file: string } | { text: string };
}

const JS = 'text/javascript; charset=utf-8';

/** Every file the page references (the CSS names its source map, which browser tools fetch). */
const ASSETS = new Map<string, DocsAsset>([
  ['swagger-ui.css', { contentType: 'text/css; charset=utf-8', source: { file: 'swagger-ui.css' } }],
  ['swagger-ui.css.map', { contentType: 'application/json', source: { file: 'swagger-ui.css.map' } }],
  ['swagger-ui-bundle.js', { contentType: JS, source: { file: 'swagger-ui-bundle.js' } }],
  ['docs-init.js', { contentType: JS, source: { text: INITIALIZER } }],
]);

export const DOCS_ASSET_NAMES: readonly string[] = [...ASSETS.keys()];

/** The folder of swagger-ui-dist, resolved once from this module (works from src and dist). */
let swaggerDir: string | undefined;
const swaggerFile = (file: string) => {
  swaggerDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return join(swaggerDir, file);
};

/** Read once per process, on the first request for it; the page's files are a few MB at most. */
const loaded = new Map<string, Promise<string>>();

/** The content type and text of a docs file (the name was checked by `DOCS_ASSET_PARAM`). */
export async function docsAsset(name: string): Promise<{ contentType: string; text: string }> {
  const asset = ASSETS.get(name);
  if (!asset) throw new NotFoundError('not a file of the docs page');
  const { source } = asset;
  let text = loaded.get(name);
  if (!text) {
    text = 'text' in source ? Promise.resolve(source.text) : readFile(swaggerFile(source.file), 'utf8');
    loaded.set(name, text);
    // A failed read (a broken install) is retried on the next request, not remembered.
    text.catch(() => loaded.delete(name));
  }
  return { contentType: asset.contentType, text: await text };
}

/** `{asset}` of `GET /docs/{asset}`: one of the page's files, else 404 `CACHE_001`. */
export const DOCS_ASSET_PARAM: PathParam = {
  schema: z
    .string()
    .regex(new RegExp(`^(${DOCS_ASSET_NAMES.map((n) => n.replaceAll('.', '\\.')).join('|')})$`))
    .meta({ description: `A file of the docs page: ${DOCS_ASSET_NAMES.join(', ')}` }),
  check: (value) => {
    if (!ASSETS.has(value)) throw new NotFoundError('not a file of the docs page');
    return value;
  },
};
