import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorBox, Progress, useApi, when } from '../common.jsx';

// Batches lists the key's batches (newest first, paged) and labels.
export function Batches() {
  const [before, setBefore] = useState([0]);
  const cur = before[before.length - 1];
  const [page, err, reload] = useApi(() => get(`/api/v2/batches?limit=25&before=${cur}`), [cur]);
  // While a batch on the page runs, look again every two seconds.
  const running = page && page.batches.some((b) => !b.done);
  useEffect(() => {
    if (!running) return undefined;
    const t = setTimeout(reload, 2000);
    return () => clearTimeout(t);
  }, [page]);
  const [labels, lerr] = useApi(() => get('/api/v2/labels?limit=200'), []);
  return (
    <section aria-labelledby="batches-h">
      <h1 id="batches-h">Batches</h1>
      <ErrorBox error={err} what="Batches" />
      {page && !page.batches.length ? <p>No batch yet: <a href="#/submit">measure some reverse paths</a>.</p> : null}
      {page && page.batches.length ? (
        <div class="scroll-x">
          <table class="plain">
            <caption class="sr-only">Your batches, newest first</caption>
            <thead><tr><th scope="col">Batch</th><th scope="col">Accepted</th><th scope="col">Labels</th><th scope="col">Progress</th></tr></thead>
            <tbody>
              {page.batches.map((b) => (
                <tr>
                  <td><a href={`#/batch/${b.batchId}`}>#{b.batchId}</a></td>
                  <td>{when(b.created)}</td>
                  <td>{b.labels.map((l) => <a class="tag" href={`#/label/${encodeURIComponent(l)}`}>{l || '(no label)'}</a>)}</td>
                  <td><Progress s={b} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div class="row">
        {before.length > 1 ? <button type="button" onClick={() => setBefore(before.slice(0, -1))}>Newer</button> : null}
        {page && page.next ? <button type="button" onClick={() => setBefore([...before, page.next])}>Older</button> : null}
      </div>
      <h2 id="labels-h">Labels</h2>
      <ErrorBox error={lerr} what="Labels" />
      {labels && labels.labels.length ? (
        <table class="plain" aria-labelledby="labels-h">
          <thead><tr><th scope="col">Label</th><th scope="col">Reverse traceroutes</th><th scope="col">Done</th><th scope="col">Latest</th></tr></thead>
          <tbody>
            {labels.labels.map((l) => (
              <tr>
                <td><a href={`#/label/${encodeURIComponent(l.label)}`}>{l.label || '(no label)'}</a></td>
                <td>{l.total}</td><td>{l.done}</td><td>{when(l.latest)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : labels ? <p class="muted">No label yet.</p> : null}
    </section>
  );
}
