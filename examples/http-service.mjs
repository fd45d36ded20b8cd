#!/usr/bin/env node
// An HTTP prediction service in a few lines of node:http: loads a model file, batches concurrent requests with a
// Predictor, answers POST /predict and GET /health. Binds to loopback unless told otherwise.
//   node examples/http-service.mjs model.safetensors --steps 100 [--port 8080] [--host 127.0.0.1]
//   curl -s localhost:8080/predict -d '{"times":[3,10,42],"units":[0,7,4]}'
import http from 'node:http';

import { Network, Predictor } from 'spikegrad';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const modelFile = args[0];
if (!modelFile || modelFile.startsWith('--')) {
  console.error('usage: http-service.mjs MODEL_FILE --steps T [--port P] [--host H]');
  process.exit(2);
}
const steps = Number(flag('steps', '100'));
const net = await Network.load(modelFile);
const predictor = new Predictor(net, { steps, maxBatch: 64, maxWaitMs: 1 });
const MAX_BODY = 1 << 20;

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    send(res, 200, { status: 'ok', model: modelFile, inputs: net.config.inputs, classes: net.config.outputs, steps, ...predictor.stats });
    return;
  }
  if (req.method !== 'POST' || req.url !== '/predict') {
    send(res, 404, { error: 'POST /predict or GET /health' });
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      send(res, 413, { error: `request body over ${MAX_BODY} bytes` });
      req.destroy();
    } else chunks.push(chunk);
  });
  req.on('end', async () => {
    if (res.writableEnded) return;
    let sample;
    try {
      sample = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      send(res, 400, { error: 'the body is not JSON' });
      return;
    }
    try {
      const { label, scores } = await predictor.predict(sample);
      send(res, 200, { label, scores: Array.from(scores) });
    } catch (err) {
      send(res, 400, { error: err.message });
    }
  });
});

const host = flag('host', '127.0.0.1');
server.listen(Number(flag('port', '8080')), host, () => {
  console.log(JSON.stringify({ listening: `http://${host}:${server.address().port}` }));
});
const stop = () => server.close(() => net.dispose().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
