// GOV.UK Frontend and MOJ Frontend components: started once the page has
// loaded, and again inside whatever htmx swaps in (only the new content).
import { initAll as startGovuk } from "../vendor/design/js/govuk-frontend.min.js";
import { initAll as startMoj } from "../vendor/design/js/moj-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
startGovuk();
startMoj();

document.body.addEventListener("htmx:afterSwap", (event) => {
  const scope = event.detail.elt;
  if (scope instanceof Element && scope !== document.body && scope.querySelector("[data-module]")) {
    startGovuk({ scope });
    startMoj({ scope });
  }
});
