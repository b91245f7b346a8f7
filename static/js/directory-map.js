/* Sociale kaart: a Leaflet map of the listed locations. The list stays the main view;
   without JavaScript or without a tile server there is simply no map. */
(function () {
  "use strict";
  function start() {
    var element = document.getElementById("directory-map");
    if (!element || typeof L === "undefined") { return; }
    fetch(element.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.tile_url || !data.points.length) { element.hidden = true; return; }
        var map = L.map(element);
        L.tileLayer(data.tile_url, { attribution: data.attribution, maxZoom: 18 }).addTo(map);
        var bounds = [];
        data.points.forEach(function (point) {
          var popup = document.createElement("div");
          var title = document.createElement("strong");
          title.textContent = point.name;
          popup.appendChild(title);
          if (point.address) {
            popup.appendChild(document.createElement("br"));
            popup.appendChild(document.createTextNode(point.address));
          }
          var list = document.createElement("ul");
          point.services.forEach(function (service) {
            var item = document.createElement("li");
            var link = document.createElement("a");
            link.href = service.url;
            link.textContent = service.name;
            item.appendChild(link);
            list.appendChild(item);
          });
          popup.appendChild(list);
          L.marker([point.lat, point.lon], { title: point.name, alt: point.name })
            .addTo(map).bindPopup(popup);
          bounds.push([point.lat, point.lon]);
        });
        map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
      })
      .catch(function () { element.hidden = true; });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
