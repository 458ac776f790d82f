// The reference for /access acknowledgement latency: Bolt's own HTTP receiver verifies the request's signature
// (SLACK_SIGNING_SECRET) and this app acknowledges the command with an empty 200, nothing else.
const { App, LogLevel } = require('@slack/bolt');

const app = new App({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  // No Web API call at all (a token alone makes Bolt call auth.test on the first request).
  authorize: async () => ({ botToken: 'xoxb-load-test', botId: 'B0LOAD', botUserId: 'U0LOADBOT' }),
  endpoints: '/slack/commands',
  logLevel: process.env.BOLT_LOG_LEVEL || LogLevel.ERROR,
});

app.command(process.env.SLACK_COMMAND || '/access', async ({ ack }) => {
  await ack();
});

(async () => {
  const port = Number(process.env.PORT || 3000);
  await app.start(port);
  console.log(`bolt ack app on http://127.0.0.1:${port}/slack/commands`);
})();
