// The helpdesk console: one question at a time over the /v1 API. Every
// value from a log goes on the page as text (textContent), never as markup.
"use strict";

const $ = (id) => document.getElementById(id);
let session = null;

function show(el, on) { el.hidden = !on; }

function fail(message) {
  const e = $("error");
  e.textContent = message;
  show(e, true);
  e.focus?.();
}

// The API token, when the server needs one: kept for this tab only.
function token() { return sessionStorage.getItem("signin-doctor-token") || ""; }

async function api(method, path, body) {
  show($("error"), false);
  const opts = { method, headers: {} };
  if (token()) opts.headers["Authorization"] = "Bearer " + token();
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const type = r.headers.get("Content-Type") || "";
  const data = type.startsWith("application/json") ? await r.json() : await r.text();
  if (!r.ok) {
    const err = data && data.error ? data.error : { message: String(data) };
    throw new Error(err.message + (err.hint ? "\n" + err.hint : ""));
  }
  return data;
}

function list(el, items, fn) {
  el.replaceChildren(...items.map((x) => { const li = document.createElement("li"); fn(li, x); return li; }));
}

let shownQuestion = null;

function render(o) {
  session = o.session;
  show($("start"), false);
  show($("walk"), true);
  $("header").textContent = o.header || "No sign-in log: the walk goes by what the caller tells you.";
  list($("summary"), o.summary || [], (li, s) => { li.textContent = s; });
  show($("summary-box"), (o.summary || []).length > 0);
  list($("trace"), o.trace || [], (li, s) => { li.textContent = s.says; });
  list($("answered"), o.answered || [], (li, a) => {
    li.append(a.text + " ");
    const b = document.createElement("strong");
    b.textContent = a.answer;
    li.append(b, " ");
    const change = document.createElement("button");
    change.type = "button";
    change.className = "secondary";
    change.textContent = "Change";
    change.setAttribute("aria-label", "Change the answer to: " + a.text);
    change.addEventListener("click", () => step("back", { question: a.question }));
    li.append(change);
  });
  show($("answered-box"), (o.answered || []).length > 0);
  list($("notes"), o.notes || [], (li, n) => { li.textContent = n.text; });
  const q = o.needs_answer && o.needs_answer.question;
  show($("question-box"), !!q);
  show($("result-box"), !!o.diagnosis);
  show($("ticket-box"), !!o.diagnosis);
  if (q) {
    const p = q.progress;
    $("progress").textContent = p ? (p.at_most > p.number ? `Question ${p.number} of at most ${p.at_most}` : `Question ${p.number}, the last one`) : "";
    $("question").textContent = q.text;
    $("help").textContent = q.help ? "How to find out: " + q.help : "";
    $("choices").replaceChildren(...q.choices.map((c, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = `${i + 1}. ${c.label}`;
      if (c.id === "dont-know") b.className = "dont-know";
      b.addEventListener("click", () => step("answers", { question: q.id, choice: c.id }));
      return b;
    }));
    // The focus moves only when the question changed (a note or a ticket
    // switch must not move a screen reader's place, or arm an answer).
    if (shownQuestion !== q.id) $("choices").firstChild?.focus();
  }
  const where = q ? q.id : (o.diagnosis ? "diagnosis:" + o.diagnosis.id : null);
  if (o.diagnosis) {
    const d = o.diagnosis;
    $("diagnosis").textContent = `${d.title} (severity ${d.severity})`;
    const c = $("confidence");
    c.textContent = o.confidence === "provisional"
      ? "PROVISIONAL: a question was answered \"don't know\", so this rests on a default, not on a fact."
      : (o.confidence === "data" ? "How sure: from the log data alone." : "How sure: from the log data and the caller's answers.");
    c.className = "confidence " + o.confidence;
    $("cause").textContent = d.summary;
    list($("evidence"), o.evidence || [], (li, e) => { li.textContent = `${e.name}: ${e.value === null || e.value === undefined ? "unknown" : JSON.stringify(e.value)}`; });
    $("steps-h").textContent = d.changes_credentials ? "Next steps (these change the user's credentials: verify the caller first)" : "Next steps";
    list($("steps"), d.next_steps, (li, s) => { li.textContent = s; });
    list($("references"), d.references, (li, r) => {
      const a = document.createElement("a");
      a.href = r.startsWith("https://") ? r : "#";
      a.textContent = r;
      a.rel = "noreferrer noopener";
      a.target = "_blank";
      li.append(a);
    });
    $("diagnosis").setAttribute("tabindex", "-1");
    if (shownQuestion !== where) $("diagnosis").focus();
    ticket();
  }
  shownQuestion = where;
}

// Whether the step went through; buttons are held while it is under way.
let busy = false;
async function step(kind, body) {
  if (busy) return false;
  busy = true;
  try { render(await api("POST", `/v1/sessions/${session}/${kind}`, body)); return true; } catch (e) { fail(e.message); return false; } finally { busy = false; }
}

// Only the newest ticket request may fill the box: an older, unredacted
// answer arriving late must not replace a redacted one.
let ticketAsked = 0;
async function ticket() {
  const n = ++ticketAsked;
  const fmt = $("ticket-format").value;
  const redact = $("redact").checked;
  $("ticket").textContent = "";
  try {
    const t = await api("GET", `/v1/sessions/${session}/ticket?format=${fmt}&redact=${redact}`);
    if (n === ticketAsked) $("ticket").textContent = t;
  } catch (e) { fail(e.message); }
}

function readFile(input, target) {
  input.addEventListener("change", () => {
    const f = input.files && input.files[0];
    if (!f) return;
    f.text().then((t) => { target.value = t; }, (e) => fail("Cannot read the file: " + e));
  });
}

function start(ev) {
  ev.preventDefault();
  if (!$("token-box").hidden) sessionStorage.setItem("signin-doctor-token", $("token").value.trim());
  const body = {};
  const signins = $("signins").value.trim();
  const audit = $("audit").value.trim();
  if (signins) body.signins = signins;
  if (audit) body.audit = audit;
  const user = $("user").value.trim();
  if (user) body.select = { user };
  const code = $("error-code").value.trim();
  if (code && !signins) body.error_code = code;
  if ($("case").value.trim()) body.case = $("case").value.trim();
  if ($("agent").value.trim()) body.agent = $("agent").value.trim();
  api("POST", "/v1/sessions", body).then(render, (e) => fail(e.message));
}

document.addEventListener("DOMContentLoaded", () => {
  $("start-form").addEventListener("submit", start);
  readFile($("signins-file"), $("signins"));
  $("load-example").addEventListener("click", () => {
    Promise.all(["/example/signin.json", "/example/audit.json"].map((u) => fetch(u).then((r) => r.text()))).then(([s, a]) => {
      $("signins").value = s;
      $("audit").value = a;
      $("start-button").focus();
    }, (e) => fail("Cannot load the example: " + e));
  });
  readFile($("audit-file"), $("audit"));
  $("add-note").addEventListener("click", () => {
    const text = $("note").value.trim();
    if (!text) return;
    // The box is cleared only when the note was kept.
    step("notes", { text }).then((ok) => { if (ok) $("note").value = ""; });
  });
  fetch("/healthz").then((r) => r.json()).then((h) => { show($("token-box"), !!h.token_required); }, () => {});
  $("token").addEventListener("change", () => { sessionStorage.setItem("signin-doctor-token", $("token").value.trim()); });
  $("redact").addEventListener("change", ticket);
  $("ticket-format").addEventListener("change", ticket);
  $("copy").addEventListener("click", () => {
    const manual = () => { $("copied").textContent = "Select the text and copy it."; };
    // The clipboard is there on https and on localhost only.
    if (!navigator.clipboard) { manual(); return; }
    navigator.clipboard.writeText($("ticket").textContent).then(() => { $("copied").textContent = "Copied."; }, manual);
  });
  $("new-call").addEventListener("click", () => {
    const done = () => {
      session = null; shownQuestion = null;
      show($("walk"), false); show($("start"), true); $("start-form").reset(); $("signins").value = ""; $("audit").value = "";
      $("start-h").setAttribute("tabindex", "-1"); $("start-h").focus();
    };
    if (session) api("DELETE", `/v1/sessions/${session}`).then(done, done); else done();
  });
});
