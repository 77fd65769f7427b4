// Copy buttons: <button data-copy="ID" hidden> copies the text of #ID.
// Hidden until this runs, so a page without JavaScript shows no dead button
// (the text can still be selected and copied by hand).
const status = document.getElementById("copy-status");

function say(message) {
  if (status) status.textContent = message;
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      say("Copied to the clipboard.");
      button.dataset.copied = "true";
    } catch {
      // Clipboard refused (an insecure origin, a denied permission): select
      // the text so Ctrl+C or the context menu finishes the job.
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      say("Could not copy: the text is selected, press Ctrl+C (Cmd+C on a Mac) to copy it.");
    }
  });
}
