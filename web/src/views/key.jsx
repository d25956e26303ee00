import { useState } from 'preact/hooks';
import { getKey, setKey } from '../api.js';

// KeyPage sets or forgets the API key, kept in this tab's session only.
export function KeyPage({ onChange }) {
  const [v, setV] = useState('');
  const has = !!getKey();
  const save = (e) => {
    e.preventDefault();
    setKey(v.trim());
    setV('');
    onChange();
    location.hash = '#/submit';
  };
  return (
    <section aria-labelledby="key-h">
      <h1 id="key-h">API key</h1>
      <p>
        The key is kept in this browser tab's session storage only: closing the tab forgets it; it is never written to
        disk by this page, nor sent anywhere but this controller (in the <code>Revtr-Key</code> header). An operator makes
        keys with <code>revtr keys add</code>.
      </p>
      <p>{has ? 'A key is set for this session.' : 'No key is set.'}</p>
      <form onSubmit={save} class="row">
        <label for="key-input">Key</label>
        <input id="key-input" type="password" autocomplete="off" value={v} onInput={(e) => setV(e.target.value)} required />
        <button type="submit">Use this key</button>
        {has ? <button type="button" onClick={() => { setKey(''); onChange(); }}>Forget the key</button> : null}
      </form>
    </section>
  );
}
