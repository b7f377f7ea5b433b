// scimd console and setup portal: progressive enhancement only. Every page works without this
// file; with it, copy buttons appear, times show in the reader's zone, live panels update over
// Server-Sent Events, and a confirmation field enables its button once it matches.

function localiseTimes(root) {
  for (const el of root.querySelectorAll('time[data-local]')) {
    const date = new Date(el.getAttribute('datetime'));
    if (!Number.isNaN(date.getTime())) {
      el.textContent = date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
      el.title = el.getAttribute('datetime');
    }
  }
}

function enableCopyButtons(root) {
  for (const button of root.querySelectorAll('button[data-copy]')) {
    const target = document.getElementById(button.dataset.copy);
    if (!target || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(target.textContent.trim());
        button.textContent = 'Copied';
      } catch {
        button.textContent = 'Select and copy';
      }
      setTimeout(() => {
        button.textContent = 'Copy';
      }, 2000);
    });
  }
}

function enableConfirmations(root) {
  for (const input of root.querySelectorAll('input[data-confirm]')) {
    const button = input.form?.querySelector('[data-confirm-submit]');
    if (!button) continue;
    const update = () => {
      button.disabled = input.value.trim() !== input.dataset.confirm;
    };
    input.addEventListener('input', update);
    update();
  }
}

function enhance(root) {
  localiseTimes(root);
  enableCopyButtons(root);
}

// A live panel: `data-live` names an SSE stream. `status` events replace the panel's content;
// `row` events add a row at the top of the panel's table body; `closed` replaces the page's
// live root (the link was revoked or expired) and ends the stream.
function connectLivePanels() {
  for (const panel of document.querySelectorAll('[data-live]')) {
    if (!window.EventSource) return;
    const source = new EventSource(panel.dataset.live);
    panel.dataset.liveState = 'connecting';
    source.addEventListener('open', () => {
      panel.dataset.liveState = 'open';
    });
    source.addEventListener('status', (event) => {
      panel.innerHTML = event.data;
      enhance(panel);
    });
    source.addEventListener('row', (event) => {
      const body = panel.querySelector('tbody');
      if (!body) return;
      body.insertAdjacentHTML('afterbegin', event.data);
      enhance(body.firstElementChild);
      const empty = panel.querySelector('[data-empty]');
      if (empty) empty.hidden = true;
      while (body.children.length > 200) body.lastElementChild.remove();
    });
    source.addEventListener('closed', (event) => {
      source.close();
      const root = panel.closest('[data-live-root]') ?? panel;
      root.innerHTML = event.data;
      enhance(root);
    });
  }
}

document.addEventListener('DOMContentLoaded', () => {
  enhance(document);
  enableConfirmations(document);
  connectLivePanels();
});
