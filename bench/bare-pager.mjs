// The baseline of the catch-up bench: page through the Auth0 stand-in with
// axios (token, then from/take=100 until an empty page) and do nothing else.
// Plain JavaScript so that its start-up costs the same as the bot's.
// Usage: node bench/bare-pager.mjs <baseUrl> <clientId> <clientSecret> <fromLogId>
import axios from 'axios';

const [baseUrl, clientId, clientSecret, start] = process.argv.slice(2);
const http = axios.create({ baseURL: baseUrl });
const { data: token } = await http.post('/oauth/token', {
  grant_type: 'client_credentials',
  client_id: clientId,
  client_secret: clientSecret,
  audience: `${baseUrl}/api/v2/`,
});
const headers = { authorization: `Bearer ${token.access_token}` };
let from = start;
let events = 0;
let pages = 0;
for (;;) {
  const { data } = await http.get('/api/v2/logs', { headers, params: { from, take: 100 } });
  pages++;
  if (data.length === 0) break;
  events += data.length;
  from = data[data.length - 1].log_id;
}
process.stdout.write(`${JSON.stringify({ events, pages })}\n`);
