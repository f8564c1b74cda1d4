// Renders the book's ```mermaid blocks (turned into <pre class="mermaid"> by
// mdbook-mermaid) in a look that follows the reader's theme: mermaid's
// default look on the light themes, its dark look on coal, navy and ayu.
(() => {
    const darkThemes = ['coal', 'navy', 'ayu'];
    const root = document.documentElement;
    const isDark = () => darkThemes.some((name) => root.classList.contains(name));

    const renderedDark = isDark();
    mermaid.initialize({ startOnLoad: true, theme: renderedDark ? 'dark' : 'default' });

    // mermaid draws once; when the reader crosses between a light and a dark
    // theme, a reload is the simplest way to draw every diagram again.
    new MutationObserver(() => {
        if (isDark() !== renderedDark) {
            window.location.reload();
        }
    }).observe(root, { attributes: true, attributeFilter: ['class'] });
})();
