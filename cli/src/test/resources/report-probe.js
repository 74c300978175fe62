// Injected by ReportIT into a copy of a report page: measures what the browser laid out for every chart and
// writes it as JSON into a pre element with id "probe", which chromium --dump-dom then prints.
(function () {
  var out = [];
  document.querySelectorAll('figure').forEach(function (f) {
    var svg = f.querySelector('svg');
    var r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    var paths = [];
    if (svg) {
      svg.querySelectorAll('path').forEach(function (p) {
        var b = p.getBBox();
        paths.push({cls: p.getAttribute('class') || '', w: b.width, h: b.height, len: p.getTotalLength()});
      });
    }
    var texts = [];
    if (svg) {
      svg.querySelectorAll('text').forEach(function (t) {
        texts.push({cls: t.getAttribute('class') || '', text: t.textContent, w: t.getBBox().width});
      });
    }
    out.push({id: f.id, w: r.width, h: r.height, paths: paths, texts: texts});
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
