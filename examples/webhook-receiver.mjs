// A webhook receiver: WEBHOOK_SECRET=whsec_… PORT=4000 node examples/webhook-receiver.mjs
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const verifier = new Webhook(process.env.WEBHOOK_SECRET);
createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    try {
      // Throws unless the raw body was signed with the secret, less than 5 minutes ago.
      const event = verifier.verify(body, req.headers);
      console.log(`webhook ${req.headers['webhook-id']} ${event.type} ${event.data.object.id} seq=${event.data.change_seq} ${JSON.stringify(event.data.object.title)}`);
      res.writeHead(204).end();
    } catch (error) {
      console.log(`refused: ${error.message}`);
      res.writeHead(400).end();
    }
  });
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`receiver on http://127.0.0.1:${process.env.PORT}/hooks`));
