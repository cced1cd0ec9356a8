import { type CallOptions, requestInit, type TestResponse } from './fixtures.js';

/** fetch against a started server, with the same options as the app.request helper. */
export function httpCaller(baseUrl: string) {
  return async (method: string, path: string, options?: CallOptions): Promise<TestResponse> =>
    (await fetch(baseUrl + path, requestInit(method, options))) as TestResponse;
}

/** fetch, answering the parsed JSON body (for assertions). */
export async function fetchJson(url: string, init?: RequestInit): ReturnType<TestResponse['json']> {
  return ((await fetch(url, init)) as TestResponse).json();
}
