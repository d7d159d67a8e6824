'use strict';

// Roll a canary back when its new version fails, as Vamp's canary recipe did: every PERIOD seconds, read
// how many 5xx answers the NEW route gave in the last WINDOW seconds (from Vamp's metrics API, where Vamp's
// script counted Elasticsearch's log lines); when there are any and NEW still gets traffic, give OLD all of
// it (every other route 0 %), write the whole gateway back, and say so with the event
// `workflows:rollback`, `error`.
//
// Run it as a daemon workflow (docs/workflows.md), beside whatever moves the traffic, with:
//   GATEWAY  the gateway to watch            sava/sava/webport
//   OLD      the route to fall back to       sava/sava/sava:1.1.0/webport
//   NEW      the route to watch              sava/sava/sava:1.2.0/webport
//   PERIOD   seconds between two looks       5
//   WINDOW   seconds of metrics to look at   30

const vamp = require('vamp-node-client');

const api = new vamp.Api();
const metrics = new vamp.Metrics(api);
const log = vamp.Log;

const gatewayName = process.env.GATEWAY;
const oldRoute = process.env.OLD;
const newRoute = process.env.NEW;
const period = Number(process.env.PERIOD || 5);
const window = Number(process.env.WINDOW || 30);

// A weight as the API writes it ("90%") as a number (90).
const weight = (route) => parseFloat(String(route.weight || '0'));

const rollback = (errors) => {
  api.get('gateways/' + gatewayName, true)
    .each((gateway) => {
      if (!gateway.routes[oldRoute] || !gateway.routes[newRoute]) {
        log.error(`gateway ${gatewayName} needs the routes ${oldRoute} and ${newRoute}`);
        return;
      }
      if (weight(gateway.routes[newRoute]) <= 0) return; // rolled back already

      Object.keys(gateway.routes).forEach((name) => {
        gateway.routes[name].weight = name === oldRoute ? '100%' : '0%';
      });
      api.put('gateways/' + gatewayName, gateway)
        .each(() => {
          log.error(`${newRoute} answered ${errors} times 5xx in ${window} s: all traffic back to ${oldRoute}`);
          api.event(['workflows:rollback', 'error'], { route: newRoute, errors, window });
        })
        .errors((error) => log.error(`could not roll ${gatewayName} back: ${error.message}`));
    })
    .errors((error) => log.error(`could not read ${gatewayName}: ${error.message}`));
};

const run = () => {
  metrics.errors(gatewayName, newRoute, { window })
    .each((errors) => {
      if (errors > 0) rollback(errors);
    })
    .errors((error) => log.error(`could not read the metrics of ${newRoute}: ${error.message}`));
};

run();
setInterval(run, period * 1000);
