// Starts Swagger UI on /api/docs: a file of its own, because the CSP forbids inline scripts.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapi,
    domNode: root,
    deepLinking: true,
    tryItOutEnabled: false,
    withCredentials: true,
  });
});
