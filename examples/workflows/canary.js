'use strict';

// A canary release driven by a workflow, as Vamp's users wrote them (vamp-runner's canary recipe): every
// PERIOD seconds, read the gateway, move STEP % of its traffic from the OLD route to the NEW one, write
// the whole gateway back, and say so with the event `workflows:canary`, `updated`; once NEW has it all,
// there is nothing left to do and the script only looks. Suspend the workflow to hold the weights where
// they are; set it running again to go on from there.
//
// Run it as a daemon workflow (docs/workflows.md), its breed's deployable {type: application/javascript,
// definition: <this script>}, with:
//   GATEWAY  the gateway to drive          sava/sava/webport
//   OLD      the route traffic leaves      sava/sava/sava:1.0.0/webport
//   NEW      the route traffic goes to     sava/sava/sava:1.1.0/webport
//   PERIOD   seconds between two steps     5
//   STEP     percent moved at each step    10

const vamp = require('vamp-node-client');

const api = new vamp.Api();
const log = vamp.Log;

const gatewayName = process.env.GATEWAY;
const oldRoute = process.env.OLD;
const newRoute = process.env.NEW;
const period = Number(process.env.PERIOD || 5);
const step = Number(process.env.STEP || 10);

// A weight as the API writes it ("90%") as a number (90).
const weight = (route) => parseFloat(String(route.weight || '0'));

const run = () => {
  // `true`: read the gateway as it is now, not as this script read it the last time.
  api.get('gateways/' + gatewayName, true)
    .each((gateway) => {
      const from = gateway.routes[oldRoute];
      const to = gateway.routes[newRoute];
      if (!from || !to) {
        log.error(`gateway ${gatewayName} has no route ${from ? newRoute : oldRoute}`);
        return;
      }
      if (weight(from) <= 0) return; // all of it moved already

      const moved = Math.min(step, weight(from));
      from.weight = weight(from) - moved + '%';
      to.weight = weight(to) + moved + '%';

      api.put('gateways/' + gatewayName, gateway)
        .each(() => {
          log.log(`${oldRoute} ${from.weight}, ${newRoute} ${to.weight}`);
          api.event(['workflows:canary', 'updated'], { [oldRoute]: from.weight, [newRoute]: to.weight });
        })
        .errors((error) => log.error(`could not update ${gatewayName}: ${error.message}`));
    })
    .errors((error) => log.error(`could not read ${gatewayName}: ${error.message}`));
};

run();
setInterval(run, period * 1000);
