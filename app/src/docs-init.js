// The /docs page's init script (a file, not inline, so the page's CSP needs no 'unsafe-inline').
// SwaggerUIBundle comes from swagger-ui-bundle.js, loaded just before this file; the page names the
// document to show in data-spec. validatorUrl "none": no badge image fetched from validator.swagger.io
// (the page loads nothing from another origin, and its CSP would block it anyway).
const root = document.getElementById("ui");
window.ui = window.SwaggerUIBundle({ url: root?.dataset.spec ?? "/openapi.json", domNode: root, validatorUrl: "none" });
