// The controller's API as the UI calls it: same origin only, the key from
// this browser tab's session storage (never localStorage, never a cookie).

const keyName = 'revtr-key';

export function getKey() {
  return sessionStorage.getItem(keyName) || '';
}

export function setKey(k) {
  if (k) sessionStorage.setItem(keyName, k);
  else sessionStorage.removeItem(keyName);
}

// ApiError carries the API's JSON error: status, stable code, message,
// details.
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || [];
  }
}

async function errorOf(resp) {
  let body = null;
  try {
    body = await resp.json();
  } catch (_) {
    // not JSON: keep the status text
  }
  if (body && body.code) return new ApiError(resp.status, body.code, body.message, body.details);
  return new ApiError(resp.status, 'http_' + resp.status, `${resp.status} ${resp.statusText}`);
}

async function call(method, path, body, accept) {
  const headers = { Accept: accept || 'application/json' };
  const key = getKey();
  if (key) headers['Revtr-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let resp;
  try {
    resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network', `the controller did not answer (${e.message})`);
  }
  if (!resp.ok) throw await errorOf(resp);
  return resp;
}

export async function get(path) {
  return (await call('GET', path)).json();
}

export async function post(path, body) {
  return (await call('POST', path, body)).json();
}

// text fetches a JSON Lines answer whole.
export async function text(path) {
  return (await call('GET', path, undefined, 'application/jsonl')).text();
}

// follow reads a server-sent event stream (fetch, so that the key goes in
// a header, which EventSource cannot send) and calls onEvent with each
// event's parsed data until the stream ends or signal aborts.
export async function follow(path, onEvent, signal) {
  const headers = { Accept: 'text/event-stream' };
  const key = getKey();
  if (key) headers['Revtr-Key'] = key;
  let resp;
  try {
    resp = await fetch(path, { headers, signal });
  } catch (e) {
    if (signal && signal.aborted) return;
    throw new ApiError(0, 'network', `the controller did not answer (${e.message})`);
  }
  if (!resp.ok) throw await errorOf(resp);
  const reader = resp.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    let r;
    try {
      r = await reader.read();
    } catch (e) {
      if (signal && signal.aborted) return;
      throw e;
    }
    if (r.done) return;
    buf += dec.decode(r.value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (data) onEvent(JSON.parse(data));
    }
  }
}

// pages calls get on path with after= until the last page, handing each
// page's rows to onPage.
export async function pages(path, onPage, signal) {
  let after = 0;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(`${path}${sep}after=${after}`);
    if (signal && signal.aborted) return;
    onPage(page.rows);
    if (!page.next) return;
    after = page.next;
  }
}
