/**
 * /docs in a real browser: headless Chromium (Debian's `chromium`, driven over the DevTools
 * protocol) loads the page from the API on loopback, with every other address sent to a dead
 * proxy, so nothing can leave the machine. The page must render every operation of the document,
 * under its Content-Security-Policy, with no violation, no script error, and every request the page
 * made on the API's own origin. Skipped (and said so) where no Chromium is installed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCacheClient } from '@org/cache-client';
import { afterAll, expect, it } from 'vitest';
import { type ServedApp, serveApp } from '../test/serve.js';

function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
    } catch {
      // not this one
    }
  }
  return null;
}

const CHROMIUM = findChromium();

/** A DevTools-protocol session on one page of the browser. */
class Cdp {
  #id = 0;
  #pending = new Map<number, (result: Record<string, unknown>) => void>();
  readonly events: { method: string; params: Record<string, unknown> }[] = [];
  sessionId: string | undefined;

  constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        method?: string;
        params?: Record<string, unknown>;
        result?: Record<string, unknown>;
        error?: { message: string };
      };
      if (message.id !== undefined) {
        this.#pending.get(message.id)?.(
          message.error ? { error: message.error.message } : (message.result ?? {}),
        );
        this.#pending.delete(message.id);
      } else if (message.method) this.events.push({ method: message.method, params: message.params ?? {} });
    });
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    session = this.sessionId,
  ): Promise<Record<string, unknown>> {
    const id = ++this.#id;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params, ...(session ? { sessionId: session } : {}) }));
    });
  }
}

async function launch(binary: string, profile: string): Promise<{ browser: ChildProcess; ws: string }> {
  const browser = spawn(
    binary,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-domain-reliability',
      // Any address but the API's goes to a closed port: nothing leaves the machine.
      '--proxy-server=127.0.0.1:9',
      '--proxy-bypass-list=127.0.0.1',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const ws = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start:\n${text}`)), 30_000);
    browser.stderr!.on('data', (chunk: Buffer) => {
      text += chunk;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    browser.on('exit', (code) => reject(new Error(`chromium exited with ${code}:\n${text}`)));
  });
  return { browser, ws };
}

let served: ServedApp | undefined;
let browser: ChildProcess | undefined;
let profile: string | undefined;

afterAll(async () => {
  if (browser && browser.exitCode === null && browser.signalCode === null) {
    const exited = new Promise((resolve) => browser!.once('exit', resolve));
    browser.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    browser.kill('SIGKILL');
  }
  await served?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

it.skipIf(CHROMIUM === null)(
  `renders every operation in headless Chromium, all from the API's origin (${CHROMIUM ?? 'skipped: no chromium on the PATH'})`,
  async () => {
    served = await serveApp({
      client: createCacheClient({ transport: 'memory' }),
      limits: { rateLimit: null },
    });
    profile = mkdtempSync(join(tmpdir(), 'docs-chromium-'));
    const launched = await launch(CHROMIUM!, profile);
    browser = launched.browser;
    const socket = new WebSocket(launched.ws);
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve);
      socket.addEventListener('error', reject);
    });
    const cdp = new Cdp(socket);
    const { targetId } = (await cdp.send('Target.createTarget', { url: 'about:blank' })) as {
      targetId: string;
    };
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    cdp.sessionId = sessionId;
    for (const domain of ['Network', 'Log', 'Runtime', 'Page']) await cdp.send(`${domain}.enable`);
    await cdp.send('Page.navigate', { url: `${served.url}/docs` });

    const documented = (await (await fetch(`${served.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(documented.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    let rendered = 0;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const r = (await cdp.send('Runtime.evaluate', {
        expression: "document.querySelectorAll('.opblock').length",
        returnByValue: true,
      })) as { result?: { value?: number } };
      rendered = r.result?.value ?? 0;
      if (rendered >= operations) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(rendered).toBe(operations);

    const requested = cdp.events
      .filter((e) => e.method === 'Network.requestWillBeSent')
      .map((e) => (e.params.request as { url: string }).url);
    expect(requested).toContain(`${served.url}/docs/swagger-ui-bundle.js`);
    expect(requested).toContain(`${served.url}/openapi.json`);
    for (const url of requested) {
      if (!url.startsWith('data:')) expect(new URL(url).origin, url).toBe(served.url);
    }
    const problems = cdp.events
      .filter(
        (e) =>
          e.method === 'Runtime.exceptionThrown' ||
          (e.method === 'Log.entryAdded' && (e.params.entry as { level: string }).level === 'error') ||
          (e.method === 'Runtime.consoleAPICalled' && (e.params as { type: string }).type === 'error'),
      )
      .map((e) => JSON.stringify(e.params).slice(0, 500));
    expect(problems).toEqual([]);
    socket.close();
  },
  90_000,
);
