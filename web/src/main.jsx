// The revtr controller's web UI: hash routes over the same-origin API.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getKey } from './api.js';
import { Batches } from './views/batches.jsx';
import { KeyPage } from './views/key.jsx';
import { Revtr } from './views/revtr.jsx';
import { Sources } from './views/sources.jsx';
import { Submit } from './views/submit.jsx';
import { Results } from './views/table.jsx';

function route() {
  const h = location.hash.replace(/^#\/?/, '');
  const [name, ...rest] = h.split('/');
  return { name: name || (getKey() ? 'submit' : 'key'), arg: decodeURIComponent(rest.join('/')) };
}

function Page({ r, onKey }) {
  if (!getKey() && r.name !== 'key') {
    return (
      <section>
        <h1>An API key is needed</h1>
        <p>Every page reads the controller's API with your key. <a href="#/key">Set your key</a> (it stays in this tab's session).</p>
      </section>
    );
  }
  switch (r.name) {
    case 'key': return <KeyPage onChange={onKey} />;
    case 'submit': return <Submit />;
    case 'batches': return <Batches />;
    case 'batch': return <Results batch={r.arg} key={`b${r.arg}`} />;
    case 'label': return <Results label={r.arg} key={`l${r.arg}`} />;
    case 'revtr': return <Revtr id={r.arg} key={`r${r.arg}`} />;
    case 'sources': return <Sources />;
  }
  return <section><h1>No such page</h1><p><a href="#/submit">Start here</a>.</p></section>;
}

const nav = [['submit', 'Measure'], ['batches', 'Batches'], ['sources', 'Sources'], ['key', 'Key']];

function App() {
  const [r, setR] = useState(route());
  const [, setK] = useState(0);
  const [crash, setCrash] = useState(null);
  useEffect(() => {
    const on = () => setR(route());
    const oops = (e) => setCrash(String(e.reason || e.message || e));
    addEventListener('hashchange', on);
    addEventListener('unhandledrejection', oops);
    return () => { removeEventListener('hashchange', on); removeEventListener('unhandledrejection', oops); };
  }, []);
  useEffect(() => {
    const h = document.querySelector('main h1');
    if (h) h.setAttribute('tabindex', '-1');
  });
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
      <header class="top">
        <span class="brand">revtr</span>
        <nav aria-label="Main">
          {nav.map(([n, t]) => <a href={`#/${n}`} aria-current={r.name === n || (n === 'batches' && ['batch', 'label', 'revtr'].includes(r.name)) ? 'page' : undefined}>{t}</a>)}
        </nav>
        <span class="keystate">{getKey() ? 'key set (this tab)' : 'no key'}</span>
      </header>
      {crash ? <div class="error" role="alert">Something went wrong in this page: {crash}</div> : null}
      <main id="main" tabindex="-1"><Page r={r} onKey={() => setK((k) => k + 1)} /></main>
      <footer class="muted">API: <a href="/openapi.json">/openapi.json</a></footer>
    </>
  );
}

render(<App />, document.getElementById('app'));
