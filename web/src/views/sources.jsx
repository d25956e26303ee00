import { get } from '../api.js';
import { ErrorBox, useApi } from '../common.jsx';

// Sources lists the controller's sources. Agents (status, onboarding,
// probing rates, last seen, quarantine) are not served by the API yet:
// their columns say so rather than guess.
export function Sources() {
  const [data, err] = useApi(() => get('/api/v1/sources'), []);
  const srcs = data ? data.srcs : [];
  const na = <span class="muted" title="Served once agents report to the controller">not reported</span>;
  return (
    <section aria-labelledby="sources-h">
      <h1 id="sources-h">Sources and agents</h1>
      <ErrorBox error={err} what="Sources" />
      <p class="muted">
        Sources are the hosts reverse paths are measured toward. This controller measures through its built-in backend;
        agents on sources and vantage points will report their status, onboarding tests, probing rate and last contact here.
      </p>
      {data ? (
        <div class="scroll-x">
          <table class="plain" data-testid="sources">
            <caption class="sr-only">Sources</caption>
            <thead><tr>
              <th scope="col">Address</th><th scope="col">Host name</th><th scope="col">Site</th><th scope="col">Status</th>
              <th scope="col">Onboarding</th><th scope="col">Probing rate</th><th scope="col">Last seen</th><th scope="col">Quarantine</th>
            </tr></thead>
            <tbody>
              {srcs.map((s) => (
                <tr>
                  <td class="mono">{s.ip}</td><td>{s.hostname || '—'}</td><td>{s.site || '—'}</td>
                  <td>authorized</td><td>{na}</td><td>{na}</td><td>{na}</td><td>{na}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {data && !srcs.length ? <p>No source is authorized: an operator adds them with <code>revtr sources add</code>.</p> : null}
      <h2>Vantage points</h2>
      <p class="muted">Not served by this controller's API yet (they come with the agents).</p>
    </section>
  );
}
