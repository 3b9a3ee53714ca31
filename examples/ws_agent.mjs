// A Node.js agent that runs full Gymnasium episodes over lngym's WebSocket bridge.
//
//   lngym bridge --env LightningSim-v0            # in one terminal
//   npm ci --prefix examples                      # once: installs the `ws` package
//   node examples/ws_agent.mjs --episodes 3       # in another
//
// It speaks the env protocol only (hello, reset, step), so it is the template for an
// agent in any language: read `hello` for the spaces, `reset`, then `step` until the
// episode is truncated. Its policy is a greedy rule: when a channel holds more than
// `--threshold` away from an even split, move 10% of its capacity back with a
// suggestion object as the action; otherwise take action 0 (do nothing).
// It turns off the broadcasts (transaction, channel_update) it does not need with `subscribe`.
// Prints one line per episode and a JSON summary as the last line; exits 1 on an error.

import WebSocket from "ws";

function parseArgs(argv) {
  const args = { url: "ws://127.0.0.1:6789", episodes: 1, seed: 1, threshold: 0.15,
                 token: process.env.LNGYM_BRIDGE_TOKEN || "" };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in args) || i + 1 >= argv.length) throw new Error(`unknown or incomplete option ${argv[i]}`);
    args[key] = typeof args[key] === "number" ? Number(argv[i + 1]) : argv[i + 1];
  }
  return args;
}

// One request at a time: send, then wait for the reply of the expected type, skipping broadcasts.
class Bridge {
  constructor(socket) {
    this.socket = socket;
    this.waiting = null;
    this.inbox = [];
    socket.on("message", (data) => this.receive(JSON.parse(data.toString())));
    socket.on("close", () => this.fail(new Error("the bridge closed the connection")));
    socket.on("error", (error) => this.fail(error));
  }

  receive(message) {
    if (message.type === "transaction" || message.type === "channel_update") return;
    if (this.waiting) {
      const { resolve, reject } = this.waiting;
      this.waiting = null;
      if (message.type === "error") reject(new Error(`bridge error ${message.code}: ${message.error}`));
      else resolve(message);
    } else {
      this.inbox.push(message);
    }
  }

  fail(error) {
    if (this.waiting) {
      this.waiting.reject(error);
      this.waiting = null;
    }
  }

  next() {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift());
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; });
  }

  async request(message, expected) {
    this.socket.send(JSON.stringify(message));
    const reply = await this.next();
    if (reply.type !== expected) throw new Error(`expected ${expected}, got ${reply.type}`);
    return reply;
  }
}

// The greedy rule: the channel furthest from an even split, if it is further than the threshold.
function choose(observation, channels, threshold) {
  let worst = -1;
  let worstOff = threshold;
  observation.forEach((share, index) => {
    if (Math.abs(share - 0.5) > worstOff) {
      worst = index;
      worstOff = Math.abs(share - 0.5);
    }
  });
  if (worst < 0) return 0;
  const channel = channels[worst];
  const [from, to] = observation[worst] > 0.5 ? [channel.a, channel.b] : [channel.b, channel.a];
  return { from_node: from, to_node: to, amount: Math.floor(channel.capacity * 0.1) };
}

async function runEpisode(bridge, hello, seed, threshold) {
  const reset = await bridge.request({ type: "reset", seed }, "reset_result");
  let observation = reset.observation;
  let steps = 0, total = 0, successes = 0, payments = 0;
  for (;;) {
    const action = choose(observation, hello.channels, threshold);
    const result = await bridge.request({ type: "step", action, id: steps }, "step_result");
    observation = result.observation;
    steps += 1;
    total += result.reward;
    successes += result.info.successes;
    payments += result.info.payments;
    if (result.terminated || result.truncated) {
      return { steps, return: total, success_rate: payments ? successes / payments : 0 };
    }
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const headers = args.token ? { Authorization: `Bearer ${args.token}` } : {};
  const socket = new WebSocket(args.url, { headers });
  const bridge = new Bridge(socket);
  await new Promise((resolve, reject) => { socket.once("open", resolve); socket.once("error", reject); });
  const hello = await bridge.next();
  if (hello.type !== "hello" || hello.mode !== "env") throw new Error("this bridge does not serve an env");
  if (hello.observation_space.type !== "Box") throw new Error("this agent needs the balance-vector observation");
  console.log(`connected: ${hello.env_id}, scenario ${hello.scenario}, ${hello.channels.length} channels`);
  // The observation arrives with each step_result, so this agent turns the broadcasts off.
  await bridge.request({ type: "subscribe", events: false }, "subscribed");
  const episodes = [];
  for (let e = 0; e < args.episodes; e += 1) {
    const episode = await runEpisode(bridge, hello, args.seed + e, args.threshold);
    episodes.push(episode);
    console.log(`episode ${e + 1}: ${episode.steps} steps, return ${episode.return.toFixed(3)}, ` +
                `success rate ${(100 * episode.success_rate).toFixed(1)}%`);
  }
  socket.close();
  console.log(JSON.stringify({ episodes }));
}

main().catch((error) => {
  console.error(`ws_agent: ${error.message}`);
  process.exit(1);
});
