// Watches an index task the way the original guide's JavaScript client does:
// one WebSocket to /ws/task/{id}?token=..., switching on the message type.
"use strict";

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("orleans-tasks-token") || "";
let socket = null;
let heartbeat = null;

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}), ...options.headers },
  });
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const detail = body?.errors ? Object.values(body.errors).flat().join(" ") : body?.detail;
    throw new Error(`${response.status} ${body?.title ?? response.statusText}${detail ? ": " + detail : ""}`);
  }
  return body;
}

function log(text) {
  const item = document.createElement("li");
  item.textContent = text;
  $("log").appendChild(item);
  item.scrollIntoView({ block: "nearest" });
}

function updateProgressBar(progress) {
  const bar = $("progress-bar");
  const value = Math.max(0, progress);
  bar.style.width = `${value}%`;
  bar.textContent = `${progress}%`;
}

function showResult(result) {
  const body = $("result").querySelector("tbody");
  body.replaceChildren(...result.details.map((detail) => {
    const row = document.createElement("tr");
    for (const text of [detail.id, detail.status, detail.error ?? ""]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.appendChild(cell);
    }
    return row;
  }));
  $("result").hidden = false;
  $("counts").textContent = `${result.success} indexed, ${result.skipped} unchanged, ${result.failed} failed`
    + (result.details_truncated ? " (first 100 shown)" : "");
}

// docs/protocol.md 3.5: a client reconnects after 1001 (gateway going away), 1011 (cluster trouble),
// 1013 (slow consumer) and a dropped connection (1006); the new `connected` snapshot is always correct.
const reconnectCodes = new Set([1001, 1006, 1011, 1013]);
// A ping every 30 s; a pong not back within 10 s means a connection gone without a close (a vanished
// gateway or network). A page may set window.watchTiming before this script runs to change both.
const timing = { pingEvery: 30000, pongWithin: 10000, ...window.watchTiming };
let reconnect = null;

function watch(taskId) {
  stopWatching();
  $("log").replaceChildren();
  $("result").hidden = true;
  $("counts").textContent = "";
  connect(taskId, 0);
}

function stopWatching() {
  clearTimeout(reconnect);
  clearInterval(heartbeat);
  if (socket) {
    const old = socket;
    socket = null;
    old.close();
  }
}

function reconnectLater(taskId, attempt) {
  clearInterval(heartbeat);
  const delay = Math.min(30000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
  log(`Reconnecting in ${(delay / 1000).toFixed(1)} s`);
  reconnect = setTimeout(() => connect(taskId, attempt + 1), delay);
}

function connect(taskId, attempt) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/task/${taskId}?token=${encodeURIComponent(token)}`);
  socket = ws;
  let lastPing = Date.now();
  let pingSentAt = null;

  ws.onopen = () => {
    attempt = 0;
    log("WebSocket connected");
  };
  ws.onmessage = (event) => {
    const data = JSON.parse(event.data);
    if (data.type === "pong") {
      pingSentAt = null;
      return;
    }
    log(`${data.type}${data.seq ? " #" + data.seq : ""}: ${data.message ?? data.error ?? ""}`);
    switch (data.type) {
      case "connected":
        $("status").textContent = data.current_status;
        $("message").textContent = data.status_message;
        updateProgressBar(data.current_progress);
        break;
      case "progress":
        $("status").textContent = data.status;
        $("message").textContent = data.message;
        updateProgressBar(data.progress);
        break;
      case "complete":
        $("status").textContent = "completed";
        $("message").textContent = data.message;
        updateProgressBar(data.progress);
        showResult(data.result);
        break;
      case "error":
        $("status").textContent = "failed";
        $("message").textContent = data.error;
        updateProgressBar(data.progress);
        break;
      case "cancelled":
        $("status").textContent = "cancelled";
        $("message").textContent = `${data.message} (${data.cancelled_by})`;
        break;
    }
  };
  ws.onclose = (event) => {
    log(`WebSocket closed: ${event.code} ${event.reason}`);
    if (socket !== ws) return; // replaced by another watch
    clearInterval(heartbeat);
    if (reconnectCodes.has(event.code)) reconnectLater(taskId, attempt);
  };
  ws.onerror = () => log("WebSocket error");
  clearInterval(heartbeat);
  heartbeat = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (pingSentAt !== null && Date.now() - pingSentAt > timing.pongWithin) {
      log("No pong: the connection is gone");
      ws.onclose = null;
      ws.close();
      reconnectLater(taskId, attempt);
    } else if (pingSentAt === null && Date.now() - lastPing >= timing.pingEvery) {
      lastPing = pingSentAt = Date.now();
      ws.send("ping");
    }
  }, Math.min(timing.pingEvery, timing.pongWithin) / 4);
}

function sampleDocuments(count) {
  const words = ["orleans", "grain", "silo", "stream", "index", "search", "progress", "socket", "cluster", "actor", "reminder", "gateway"];
  const documents = [];
  for (let i = 0; i < count; i++) {
    const text = Array.from({ length: 200 }, (_, j) => words[(i * 7 + j * 13 + (j * j) % 11) % words.length] + ((i + j) % 97)).join(" ");
    documents.push({ id: `sample-${String(i).padStart(5, "0")}.md`, title: `Sample ${i}`, content: `sample ${i} ${text}` });
  }
  return documents;
}

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const body = await api("/api/auth/token", {
      method: "POST",
      body: JSON.stringify({ username: $("username").value, password: $("password").value }),
    });
    token = body.access_token;
    sessionStorage.setItem("orleans-tasks-token", token);
    $("who").textContent = `Signed in as ${$("username").value}`;
  } catch (error) {
    $("who").textContent = error.message;
  }
});

$("create").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const body = await api("/api/tasks", {
      method: "POST",
      body: JSON.stringify({ collection: $("collection").value, documents: sampleDocuments(Number($("sample-count").value)) }),
    });
    $("task-id").value = body.task_id;
    watch(body.task_id);
  } catch (error) {
    $("message").textContent = error.message;
  }
});

$("watch-form").addEventListener("submit", (event) => {
  event.preventDefault();
  watch($("task-id").value.trim());
});

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const params = new URLSearchParams({ collection: $("collection").value, q: $("query").value, limit: "10" });
    const body = await api(`/api/search?${params}`);
    $("hits").replaceChildren(...body.hits.map((hit) => {
      const item = document.createElement("li");
      const title = document.createElement("strong");
      title.textContent = `${hit.title ?? hit.id} `;
      const snippet = document.createElement("span");
      snippet.innerHTML = hit.snippet; // HTML-escaped by the server, with <mark> around matches
      item.append(title, snippet);
      return item;
    }));
  } catch (error) {
    $("hits").replaceChildren(Object.assign(document.createElement("li"), { textContent: error.message }));
  }
});

const fromHash = new URLSearchParams(location.hash.slice(1));
if (fromHash.get("task")) {
  $("task-id").value = fromHash.get("task");
  watch(fromHash.get("task"));
}
