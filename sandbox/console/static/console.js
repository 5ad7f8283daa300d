// The console's page script: picks a person, polls what they see, sends what they do.
//
// The server renders every surface (conversations, Home, modals) to escaped HTML from the
// bot's real Block Kit; this script only places those fragments, keeps what the visitor is
// typing in a form, and turns clicks, choices and submissions into JSON requests that the
// server forwards to the bot as signed Slack requests.
"use strict";

(() => {
  const POLL_MS = 1000;
  const $ = (id) => document.getElementById(id);

  const state = {
    people: [],
    user: null,
    selected: null,        // "home" or a conversation id
    dmId: null,
    version: "",
    data: null,
    paneHtml: null,
    paneKey: null,
    modalKey: null,
    modalHtml: null,
    timer: null,
    inflight: false,
  };

  // -- requests ---------------------------------------------------------------

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (_) { /* an empty or non-JSON answer */ }
    if (!response.ok || data.ok === false) {
      throw new Error(data.error || `The console answered HTTP ${response.status}`);
    }
    return data;
  }

  function notice(text, isError) {
    const box = $("notice");
    if (!text) { box.hidden = true; box.textContent = ""; return; }
    box.textContent = text;
    box.classList.toggle("error", Boolean(isError));
    box.hidden = false;
  }

  // -- people -----------------------------------------------------------------

  async function loadPeople() {
    const response = await fetch("/api/people");
    const data = await response.json();
    state.people = data.people || [];
    const list = $("people");
    list.replaceChildren();
    for (const person of state.people) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "person";
      button.dataset.user = person.id;
      button.dataset.testid = `person-${person.id}`;
      const name = document.createElement("span");
      name.className = "person-name";
      name.textContent = person.real_name;
      const tz = document.createElement("span");
      tz.className = "person-tz";
      tz.textContent = person.tz_label;
      tz.title = person.tz;
      button.append(name);
      if (person.is_admin) {
        const badge = document.createElement("span");
        badge.className = "admin-badge";
        badge.textContent = "ADMIN";
        badge.dataset.testid = `admin-${person.id}`;
        button.append(badge);
      }
      button.append(tz);
      button.addEventListener("click", () => choosePerson(person.id));
      const item = document.createElement("li");
      item.append(button);
      list.append(item);
    }
  }

  function choosePerson(userId, selected) {
    if (!state.people.some((p) => p.id === userId)) return;
    state.user = userId;
    state.selected = selected || null;
    state.dmId = null;  // the previous person's; the driver picks this person's DM until known
    state.version = "";
    state.paneHtml = null;
    state.modalKey = null;
    state.modalHtml = null;
    notice("");
    for (const button of document.querySelectorAll(".person")) {
      const on = button.dataset.user === userId;
      button.classList.toggle("selected", on);
      button.setAttribute("aria-pressed", String(on));
    }
    saveLocation();
    refresh();
  }

  function saveLocation() {
    if (!state.user) return;
    const hash = `#${state.user}/${state.selected || ""}`;
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  // -- polling and drawing ------------------------------------------------------

  async function refresh() {
    clearTimeout(state.timer);
    if (!state.user) return;
    if (state.inflight) { state.timer = setTimeout(refresh, 100); return; }
    state.inflight = true;
    const user = state.user;
    try {
      const query = new URLSearchParams({ user, since: state.version });
      const response = await fetch(`/api/view?${query}`);
      const data = await response.json();
      if (user === state.user && data.ok && !data.unchanged) {
        state.version = data.version;
        state.data = data;
        draw(data);
      }
    } catch (_) {
      // The server may be restarting; the next poll tries again.
    } finally {
      state.inflight = false;
      state.timer = setTimeout(refresh, POLL_MS);
    }
  }

  function soon() {
    // The bot answers after it acks, so look again quickly, then keep polling as usual.
    setTimeout(refresh, 150);
    setTimeout(refresh, 600);
  }

  function draw(data) {
    drawClock(data.clock);
    state.dmId = data.conversations.length ? data.conversations[0].id : null;
    const known = new Set(data.conversations.map((c) => c.id));
    if (!state.selected || (state.selected !== "home" && !known.has(state.selected))) {
      state.selected = state.dmId;
    }
    const list = $("conversations");
    if (list.dataset.html !== data.conversations_html) {
      list.innerHTML = data.conversations_html;
      list.dataset.html = data.conversations_html;
    }
    drawPane(data);
    drawModal(data.modal);
    saveLocation();
  }

  function drawClock(clock) {
    $("clock").textContent = clock.utc;
    $("clock").dataset.iso = clock.iso;
    $("clock-local").textContent = `your time: ${clock.local}`;
    const log = $("clock-log");
    log.replaceChildren();
    for (const entry of clock.log) {
      const item = document.createElement("li");
      const head = document.createElement("div");
      head.textContent = `${entry.action} → ${entry.at}`;
      item.append(head);
      const ran = document.createElement("ul");
      ran.className = "ran";
      for (const line of entry.ran.length ? entry.ran : ["nothing was due"]) {
        const li = document.createElement("li");
        li.textContent = line;
        ran.append(li);
      }
      item.append(ran);
      log.append(item);
    }
    if (!clock.log.length) {
      const item = document.createElement("li");
      item.textContent = "Nothing yet: move the clock to see scheduled work run.";
      log.append(item);
    }
    $("clock-log-count").textContent = clock.log.length ? String(clock.log.length) : "";
  }

  function drawPane(data) {
    const isHome = state.selected === "home";
    for (const button of document.querySelectorAll(".conversation")) {
      const id = button.id === "home-tab" ? "home" : button.dataset.conversation;
      const on = id === state.selected;
      button.classList.toggle("selected", on);
      if (on) button.setAttribute("aria-current", "page"); else button.removeAttribute("aria-current");
    }
    let title, sub, html, key;
    if (isHome) {
      title = "Sprout";
      sub = "Home";
      key = `home:${data.home ? data.home.view_id : ""}`;
      html = data.home
        ? `<div class="surface home" data-surface="home" data-testid="home" data-view-id="${attr(data.home.view_id)}">${data.home.html}</div>`
        : '<div class="surface home empty" data-surface="home" data-testid="home">Sprout has not published a Home tab for you yet.</div>';
    } else {
      const conversation = data.conversations.find((c) => c.id === state.selected);
      title = conversation ? conversation.name : "";
      sub = conversation ? { dm: "Direct message", group_dm: "Group DM", channel: "Channel" }[conversation.kind] : "";
      key = `conv:${state.selected}`;
      html = `<div class="surface conversation-view" data-surface="conversation" data-testid="conversation-view" data-channel="${attr(state.selected)}">${data.messages[state.selected] || ""}</div>`;
    }
    $("pane-title").textContent = title;
    $("pane-sub").textContent = sub;
    if (html === state.paneHtml && key === state.paneKey) return;
    const pane = $("pane");
    const moved = key !== state.paneKey;
    const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 80;
    pane.innerHTML = html;
    state.paneHtml = html;
    state.paneKey = key;
    if (!isHome && (moved || atBottom)) pane.scrollTop = pane.scrollHeight;
    if (isHome && moved) pane.scrollTop = 0;
  }

  function attr(text) {
    return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function drawModal(modal) {
    const overlay = $("modal-overlay");
    const form = $("modal-form");
    if (!modal) {
      overlay.hidden = true;
      form.replaceChildren();
      delete form.dataset.viewId;
      state.modalKey = null;
      state.modalHtml = null;
      return;
    }
    $("modal-title").textContent = modal.title;
    $("modal-close").textContent = modal.close || "Cancel";
    const submit = $("modal-submit");
    submit.hidden = !modal.submit;
    submit.textContent = modal.submit || "Submit";
    const overlayWasHidden = overlay.hidden;
    overlay.hidden = false;
    if (modal.view_id === state.modalKey && modal.html === state.modalHtml) return;
    // Slack keeps what a person typed when the app updates the view they are looking at.
    const keep = modal.view_id === state.modalKey ? readForm(form) : null;
    form.innerHTML = modal.html;
    form.dataset.viewId = modal.view_id;
    if (keep) writeForm(form, keep);
    if (modal.view_id !== state.modalKey) $("modal-error").hidden = true;
    state.modalKey = modal.view_id;
    state.modalHtml = modal.html;
    if (overlayWasHidden) {
      const first = form.querySelector("[autofocus], .bk-control, input");
      if (first) first.focus();
    }
  }

  // -- forms --------------------------------------------------------------------

  function fieldValue(field) {
    const type = field.dataset.type;
    if (type === "checkboxes") {
      return [...field.querySelectorAll("input[type=checkbox]:checked")].map((i) => i.value);
    }
    if (type === "radio_buttons") {
      const on = field.querySelector("input[type=radio]:checked");
      return on ? on.value : "";
    }
    const select = field.querySelector("select");
    if (select && select.multiple) return [...select.selectedOptions].map((o) => o.value);
    if (select) return select.value;
    const control = field.querySelector("input, textarea");
    return control ? control.value : null;
  }

  function readForm(form) {
    const values = {};
    for (const field of form.querySelectorAll(".field[data-block-id]")) {
      const value = fieldValue(field);
      if (value !== null) values[field.dataset.blockId] = value;
    }
    return values;
  }

  function writeForm(form, values) {
    for (const field of form.querySelectorAll(".field[data-block-id]")) {
      const blockId = field.dataset.blockId;
      if (!(blockId in values)) continue;
      const value = values[blockId];
      const wanted = new Set(Array.isArray(value) ? value : [value]);
      for (const input of field.querySelectorAll("input[type=checkbox], input[type=radio]")) {
        input.checked = wanted.has(input.value);
      }
      const select = field.querySelector("select");
      if (select) {
        for (const option of select.options) option.selected = wanted.has(option.value);
        continue;
      }
      const control = field.querySelector("input:not([type=checkbox]):not([type=radio]), textarea");
      if (control && typeof value === "string") control.value = value;
    }
  }

  async function submitModal() {
    const form = $("modal-form");
    const viewId = form.dataset.viewId;
    if (!viewId) return;
    const button = $("modal-submit");
    button.disabled = true;
    $("modal-error").hidden = true;
    try {
      await post("/api/submit", { user: state.user, view_id: viewId, values: readForm(form) });
    } catch (error) {
      $("modal-error").textContent = error.message;
      $("modal-error").hidden = false;
    } finally {
      button.disabled = false;
      refresh();
      soon();
    }
  }

  async function closeModal() {
    const viewId = $("modal-form").dataset.viewId;
    if (!viewId) return;
    try {
      await post("/api/close", { user: state.user, view_id: viewId });
    } catch (error) {
      notice(error.message, true);
    }
    refresh();
    soon();
  }

  // -- actions ------------------------------------------------------------------

  function sourceOf(element) {
    const message = element.closest(".message[data-ts]");
    if (message) return { message: { channel: message.dataset.channel, ts: message.dataset.ts } };
    const view = element.closest("[data-view-id]");
    if (view) return { view_id: view.dataset.viewId };
    return null;
  }

  async function sendAction(element, value) {
    const source = sourceOf(element);
    if (!source || !state.user) return;
    const body = {
      user: state.user,
      source,
      action_id: element.dataset.actionId,
      block_id: element.dataset.blockId || "",
      value,
    };
    element.disabled = true;
    try {
      await post("/api/action", body);
      notice("");
    } catch (error) {
      notice(error.message, true);
    } finally {
      element.disabled = false;
      refresh();
      soon();
    }
  }

  function confirmFirst(button) {
    const template = button.parentElement.querySelector("template.bk-confirm");
    if (!template) return Promise.resolve(true);
    const part = (selector) => template.content.querySelector(selector);
    $("confirm-title").innerHTML = part(".confirm-title").innerHTML;
    $("confirm-text").innerHTML = part(".confirm-text").innerHTML;
    const ok = $("confirm-ok");
    ok.innerHTML = part(".confirm-yes").innerHTML;
    ok.className = `bk-button ${template.dataset.style === "danger" ? "bk-button-danger" : "bk-button-primary"}`;
    $("confirm-cancel").innerHTML = part(".confirm-no").innerHTML;
    const overlay = $("confirm-overlay");
    overlay.hidden = false;
    ok.focus();
    return new Promise((resolve) => {
      const finish = (answer) => {
        overlay.hidden = true;
        ok.onclick = null;
        $("confirm-cancel").onclick = null;
        resolve(answer);
      };
      ok.onclick = () => finish(true);
      $("confirm-cancel").onclick = () => finish(false);
    });
  }

  function actionValue(control) {
    const wrapper = control.closest(".bk-action");
    const type = (wrapper || control).dataset.type;
    if (type === "checkboxes" && wrapper) {
      return [...wrapper.querySelectorAll("input[type=checkbox]:checked")].map((i) => i.value);
    }
    if (control.tagName === "SELECT" && control.multiple) {
      return [...control.selectedOptions].map((o) => o.value);
    }
    return control.value;
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest(".bk-button[data-action-id]");
    if (!button || !sourceOf(button)) return;
    if (button.tagName === "A") {
      // A link button opens its page and also tells the app, as in Slack.
      sendAction(button, button.dataset.value ?? null);
      return;
    }
    event.preventDefault();
    if (!(await confirmFirst(button))) return;
    sendAction(button, button.dataset.value ?? null);
  });

  document.addEventListener("change", (event) => {
    const control = event.target;
    if (control.classList.contains("bk-overflow")) {
      const value = control.value;
      control.value = "";
      if (value) sendAction(control, value);
      return;
    }
    const wrapper = control.closest(".bk-action[data-action-id]");
    if (wrapper) {
      const value = actionValue(control);
      if (value === "" || value === null) return;
      sendAction(wrapper, value);
      return;
    }
    const field = control.closest('.field[data-dispatch-action="true"]');
    if (field) {
      const value = fieldValue(field);
      if (value !== "" && value !== null) sendAction(field, value);
    }
  });

  // -- composer, tabs, clock ------------------------------------------------------

  $("composer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("composer");
    const text = input.value.trim();
    if (!text || !state.user) return;
    if (!/^\/mentor(\s|$)/.test(text)) {
      notice("Sprout listens for slash commands here: try /mentor help", false);
      return;
    }
    const channel = state.selected && state.selected !== "home" ? state.selected : state.dmId;
    if (state.selected === "home") {
      state.selected = state.dmId;  // the answer shows up in the conversation
    }
    $("send").disabled = true;
    try {
      await post("/api/command", { user: state.user, text, channel });
      input.value = "";
      notice("");
    } catch (error) {
      notice(error.message, true);
    } finally {
      $("send").disabled = false;
      refresh();
      soon();
    }
  });

  $("conversations").addEventListener("click", (event) => {
    const button = event.target.closest(".conversation[data-conversation]");
    if (!button) return;
    state.selected = button.dataset.conversation;
    if (state.data) drawPane(state.data);
    saveLocation();
  });

  $("home-tab").addEventListener("click", async () => {
    if (!state.user) return;
    state.selected = "home";
    if (state.data) drawPane(state.data);
    saveLocation();
    try {
      await post("/api/home", { user: state.user });  // app_home_opened, as Slack sends it
    } catch (error) {
      notice(error.message, true);
    }
    refresh();
    soon();
  });

  for (const [id, action] of [["advance-day", "day"], ["advance-round", "next-round"]]) {
    $(id).addEventListener("click", async () => {
      const button = $(id);
      button.disabled = true;
      try {
        const result = await post("/api/clock", { action });
        const ran = result.ran;
        notice(
          !ran.length ? "The clock moved; nothing was due."
            : ran.length <= 3 ? `Ran: ${ran.join("; ")}`
            : `Ran ${ran.length > 25 ? "over 25" : ran.length} jobs: see What ran.`,
        );
      } catch (error) {
        notice(error.message, true);
      } finally {
        button.disabled = false;
        refresh();
        soon();
      }
    });
  }

  $("modal-submit").addEventListener("click", submitModal);
  $("modal-close").addEventListener("click", closeModal);
  $("modal-x").addEventListener("click", closeModal);
  $("modal-form").addEventListener("submit", (event) => { event.preventDefault(); submitModal(); });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("confirm-overlay").hidden) {
      $("confirm-cancel").click();
    } else if (event.key === "Escape" && !$("modal-overlay").hidden) {
      closeModal();
    }
  });

  // -- start ----------------------------------------------------------------------

  loadPeople().then(() => {
    const [user, selected] = location.hash.slice(1).split("/");
    const first = state.people.length ? state.people[0].id : null;
    const chosen = state.people.some((p) => p.id === user) ? user : first;
    if (chosen) choosePerson(chosen, selected || null);
  });
})();
