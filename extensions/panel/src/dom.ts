/**
 * What the panel and its peer-review views share: the server extension's API (JSON, the
 * error's own message thrown), DOM elements made from properties (``text`` as text,
 * never as HTML), unique ids for labels.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export type Json = Record<string, any>;

/** How long a read may take: a request the server never answers must not leave the
 * panel busy for ever (it says so instead, in the learner's language). */
export const READ_TIMEOUT_MS = 60_000;

/** The sentence said when a read took too long (the panel sets it from its texts). */
export const said = { timeout: '' };

export async function api(path: string, init: RequestInit = {}): Promise<Json> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'parcours/api', path);
  const reading = !init.method || init.method === 'GET';
  const stop = reading && !init.signal ? new AbortController() : null;
  const timer = stop ? window.setTimeout(() => stop.abort(), READ_TIMEOUT_MS) : 0;
  try {
    const response = await ServerConnection.makeRequest(
      url,
      stop ? { ...init, signal: stop.signal } : init,
      settings
    );
    const text = await response.text();
    const data = text ? JSON.parse(text) : {};
    if (!response.ok) {
      throw new Error(data.message || response.statusText);
    }
    return data;
  } catch (error) {
    if (stop?.signal.aborted) {
      throw new Error(said.timeout || String(error));
    }
    throw error;
  } finally {
    window.clearTimeout(timer);
  }
}

export function post(path: string, body: Json): Promise<Json> {
  return api(path, { method: 'POST', body: JSON.stringify(body) });
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) {
      continue;
    }
    if (key === 'text') {
      node.textContent = value;
    } else {
      node.setAttribute(key, value);
    }
  }
  node.append(...children);
  return node;
}

let unique = 0;
export function uid(prefix: string): string {
  unique += 1;
  return `${prefix}-${unique}`;
}
