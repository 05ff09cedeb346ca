// A server component: it imports the plain entry itself (the react-server layer) and renders the client
// component, which server rendering renders too before the browser hydrates it.
import { createPlanClient } from 'planwire';
import { Live } from './Live';

// Rendered per request: the mock server's address comes from the environment of `next start`.
export const dynamic = 'force-dynamic';

export default function Page() {
  return (
    <main>
      <p id="server">server component: createPlanClient is a {typeof createPlanClient}</p>
      <Live url={`ws://${process.env.PLANWIRE_MATRIX_SERVER}/ws`} token={process.env.PLANWIRE_MATRIX_TOKEN} planId="123" />
    </main>
  );
}
