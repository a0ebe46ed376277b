#!/usr/bin/env python3
"""Writes the extraction evaluation set: every story of articles.py rendered through eight publisher
templates written for this evaluation (a WordPress theme, a React newsroom with hashed class names, a
wire service, a tabloid, an old table-layout CMS, an AMP page, a newsletter platform, a magazine long
read). pages/NAME.html is the page, gold/NAME.txt the story text a reader would call the article: its
paragraphs, subheadings, lists and quotes; not the headline, byline, captions, links or furniture.

    python3 bench/extraction/make_pages.py      # rewrites pages/ and gold/ (deterministic)
"""
import html
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from articles import ARTICLES  # noqa: E402

E = html.escape
HERE = os.path.dirname(os.path.abspath(__file__))

RELATED = [
    "Ministers promise review of regional rail timetables after months of delays",
    "Why the price of olive oil has doubled in two years",
    "Five things we learned from the budget statement",
    "Police appeal for witnesses after overnight fire at warehouse",
    "Opinion: our cities need fewer car parks and more trees",
    "Watch: the moment a whale surfaced beside a fishing boat",
    "Teachers vote to accept pay offer, ending months of dispute",
    "The quiet revival of the neighbourhood bakery",
]
COMMENTS = [
    ("Jon P.", "This has been coming for years and everyone in the area knew it. The real question is why nothing was done when the first warnings were raised."),
    ("mary_k", "I think people are overreacting. These things take time and the officials involved are doing the best they can with the money they have been given."),
    ("Observer77", "Does anyone know whether the figures quoted here include the northern districts? The article does not make that clear at all."),
]


def body_html(a, p_attr="", h_tag="h2", h_attr="", q_attr="", inject=None):
    """The story blocks as HTML; `inject(i)` may return furniture to put after block i."""
    out = []
    for i, (kind, text) in enumerate(a["blocks"]):
        if kind == "p":
            out.append(f"<p{p_attr}>{E(text)}</p>")
        elif kind == "h":
            out.append(f"<{h_tag}{h_attr}>{E(text)}</{h_tag}>")
        elif kind == "q":
            out.append(f"<blockquote{q_attr}><p>{E(text)}</p></blockquote>")
        elif kind == "li":
            out.append("<ul>" + "".join(f"<li>{E(t)}</li>" for t in text) + "</ul>")
        if inject:
            extra = inject(i)
            if extra:
                out.append(extra)
    return "\n".join(out)


def gold(a):
    lines = []
    for kind, text in a["blocks"]:
        if kind == "li":
            lines.extend(text)
        else:
            lines.append(text)
    return "\n".join(lines) + "\n"


def jsonld(a, site, with_body=False):
    import json
    obj = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": a["title"],
        "datePublished": a["date"], "author": [{"@type": "Person", "name": a["author"]}],
        "publisher": {"@type": "Organization", "name": site}, "keywords": a["tags"],
    }
    if with_body:
        obj["articleBody"] = "\n".join(t if k != "li" else "\n".join(t) for k, t in a["blocks"])
    return '<script type="application/ld+json">' + json.dumps(obj).replace("</", "<\\/") + "</script>"


def nice_date(a):
    return a["date"][:10]


def wordpress(a, rnd):
    site = "The Riverside Chronicle"
    related = "".join(f'<li><a href="/{i}">{E(t)}</a></li>' for i, t in enumerate(rnd.sample(RELATED, 4)))
    comments = "".join(
        f'<li class="comment"><div class="comment-author vcard"><b class="fn">{E(n)}</b></div>'
        f'<div class="comment-content"><p>{E(t)}</p></div><div class="reply"><a href="#">Reply</a></div></li>'
        for n, t in COMMENTS)
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="UTF-8"><title>{E(a['title'])} &#8211; {site}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="canonical" href="https://riversidechronicle.example/{a['slug']}/">
<meta property="og:title" content="{E(a['title'])}"><meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{a['date']}">
<link rel="stylesheet" href="/wp-content/themes/newsup/style.css"><script src="/wp-includes/js/jquery.js"></script>
</head><body class="post-template-default single single-post">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<div id="page" class="site"><header id="masthead" class="site-header"><div class="site-branding"><p class="site-title"><a href="/">{site}</a></p>
<p class="site-description">News from the valley since 1887</p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu"><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li><li><a href="/business">Business</a></li><li><a href="/opinion">Opinion</a></li><li><a href="/contact">Contact us</a></li></ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-4411" class="post-4411 post type-post status-publish format-standard hentry category-news">
<header class="entry-header"><h1 class="entry-title">{E(a['title'])}</h1>
<div class="entry-meta"><span class="posted-on">Posted on <time class="entry-date published" datetime="{a['date']}">{nice_date(a)}</time></span> <span class="byline">by <span class="author vcard"><a class="url fn n" href="/author/x">{E(a['author'])}</a></span></span></div></header>
<div class="post-thumbnail"><img src="/wp-content/uploads/2024/lead.jpg" alt=""></div>
<div class="entry-content">
{body_html(a)}
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul><li><a href="#">Twitter</a></li><li><a href="#">Facebook</a></li><li><a href="#">WhatsApp</a></li></ul></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3><ul>{related}</ul></div>
</div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/news">News</a></span> <span class="tags-links">Tagged {', '.join(f'<a href="/tag/{t}">{E(t)}</a>' for t in a['tags'])}</span></footer>
</article>
<nav class="navigation post-navigation"><h2 class="screen-reader-text">Post navigation</h2><div class="nav-links"><div class="nav-previous"><a href="/prev">{E(RELATED[0])}</a></div><div class="nav-next"><a href="/next">{E(RELATED[1])}</a></div></div></nav>
<div id="comments" class="comments-area"><h2 class="comments-title">3 thoughts on &ldquo;{E(a['title'])}&rdquo;</h2><ol class="comment-list">{comments}</ol>
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3><form action="/wp-comments-post.php" method="post"><p class="comment-notes">Your email address will not be published. Required fields are marked *</p><p><textarea name="comment"></textarea></p><p><input type="submit" value="Post Comment"></p></form></div></div>
</main></div>
<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{related}</ul></section>
<section class="widget widget_text"><div class="textwidget"><p>The Riverside Chronicle is an independent, reader-funded newspaper. Support local journalism by becoming a member today.</p></div></section></aside></div>
<footer id="colophon" class="site-footer"><div class="site-info">&copy; 2024 {site}. Proudly powered by WordPress.</div></footer></div>
</body></html>"""


def react(a, rnd):
    site = "The Metropolitan Ledger"
    def cls():
        return "css-" + "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))
    pcls = cls()
    def inject(i):
        if i == 1:
            return f'<div class="{cls()}" data-testid="inline-ad"><div class="{cls()}"><p class="{cls()}">Advertisement</p><div id="dfp-ad-mid1"></div></div></div>'
        if i == 3:
            t = rnd.choice(RELATED)
            return f'<div class="{cls()}" data-testid="inline-recirc"><a href="/r" class="{cls()}"><span>Read more</span><h3 class="{cls()}">{E(t)}</h3><p class="{cls()}">Our reporters examine what the decision means for families across the region and what comes next.</p></a></div>'
        return None
    return f"""<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/><title>{E(a['title'])} - {site}</title>
<meta name="description" content="{E(a['blocks'][0][1][:150])}"/><meta property="og:url" content="https://ledger.example/2024/{a['slug']}.html"/>
{jsonld(a, site)}<link rel="preload" as="script" href="/_next/static/chunks/main.js"/><style>.{pcls}{{margin:0 0 1em}}</style></head>
<body><div id="__next"><div class="{cls()}"><div class="{cls()}"><a href="#site-content" class="{cls()}">Skip to content</a><a href="#site-index" class="{cls()}">Skip to site index</a></div>
<div class="{cls()}" role="banner"><div class="{cls()}"><a href="/" class="{cls()}">{site}</a></div><div class="{cls()}"><button class="{cls()}">Search</button><a href="/subscribe" class="{cls()}">Subscribe for $1/week</a><a href="/login" class="{cls()}">Log in</a></div>
<div class="{cls()}">Today's Paper</div></div>
<main id="site-content"><div class="{cls()}"><article id="story" class="{cls()}"><header class="{cls()}"><div class="{cls()}"><a href="/section/world" class="{cls()}">World</a></div>
<h1 class="{cls()}" data-testid="headline">{E(a['title'])}</h1><p class="{cls()}" id="article-summary">{E(a['blocks'][0][1][:90])}…</p>
<div class="{cls()}"><div class="{cls()}"><p class="{cls()}"><span>By </span><span class="{cls()}"><a href="/by/x" class="{cls()}">{E(a['author'])}</a></span></p>
<time class="{cls()}" dateTime="{a['date']}"><span>{nice_date(a)}</span></time></div><div class="{cls()}"><button class="{cls()}" aria-label="Share full article">Share full article</button><button class="{cls()}">Save</button></div></div></header>
<section name="articleBody" class="meteredContent {cls()}"><div class="{cls()} StoryBodyCompanionColumn"><div class="{cls()}">
{body_html(a, p_attr=f' class="{pcls}"', h_attr=f' class="{cls()}"', inject=inject)}
</div></div></section>
<div class="{cls()}"><div class="{cls()}"><p class="{cls()}">{E(a['author'])} is a correspondent covering regional affairs. She has reported from more than thirty countries.</p></div>
<div class="{cls()}"><p class="{cls()}">A version of this article appears in print on Section A, Page 6 of the New York edition with the headline: {E(a['title'][:40])}. <a href="/reprints">Order Reprints</a> | <a href="/paper">Today's Paper</a> | <a href="/subscribe">Subscribe</a></p></div></div>
</article></div>
<div class="{cls()}" data-testid="more-in"><h2 class="{cls()}">More in World</h2><ol class="{cls()}">{''.join(f'<li class="{cls()}"><a href="/m{i}"><h3 class="{cls()}">{E(t)}</h3><p class="{cls()}">The latest developments, with analysis from our correspondents around the world.</p></a></li>' for i, t in enumerate(rnd.sample(RELATED, 3)))}</ol></div></main>
<footer class="{cls()}" role="contentinfo"><nav class="{cls()}"><ul><li><a href="/about">About us</a></li><li><a href="/careers">Careers</a></li><li><a href="/privacy">Privacy Policy</a></li><li><a href="/terms">Terms of Service</a></li></ul></nav><p class="{cls()}">© 2024 The Metropolitan Ledger Company</p></footer>
</div></div><script>window.__PRELOADED_STATE__={{"user":null,"ab":{{"x":1}}}};</script></body></html>"""


def wire(a, rnd):
    site = "Continental Press Agency"
    city = rnd.choice(["GENEVA", "NAIROBI", "LISBON", "OSLO", "MANILA"])
    blocks = [list(b) for b in a["blocks"]]
    first = f"{city}, {nice_date(a)} (CPA) - " + blocks[0][1]
    rest = body_html(dict(blocks=blocks[1:]), p_attr=' class="text__text__1FZLe text__dark-grey__3Ml43 body__full_width__ekUdw"')
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{E(a['title'])} | {site}</title>
<meta property="og:title" content="{E(a['title'])}"><meta property="og:site_name" content="{site}"><meta name="article:published_time" content="{a['date']}">
<meta name="author" content="{E(a['author'])}"><meta name="keywords" content="{','.join(a['tags'])}"></head>
<body><div id="fusion-app"><div class="site-header__container"><header class="site-header"><a href="/" class="site-header__logo">{site}</a>
<nav class="site-header__nav"><a href="/world">World</a> <a href="/business">Business</a> <a href="/markets">Markets</a> <a href="/sustainability">Sustainability</a> <a href="/legal">Legal</a> <a href="/breakingviews">Breakingviews</a></nav>
<div class="site-header__actions"><a href="/account/register">Register</a></div></header></div>
<main class="regular-article-layout__main"><div class="article-header__heading__15OpQ"><span class="article-header__tag">World</span><h1 data-testid="Heading">{E(a['title'])}</h1>
<div class="article-header__meta"><div class="info-content__author">By <a href="/authors/x">{E(a['author'])}</a></div><time datetime="{a['date']}">{nice_date(a)} 3 min read</time></div></div>
<div class="article-body__container__3ypuX"><div class="article-body__content__17Yit">
<p class="text__text__1FZLe text__dark-grey__3Ml43 body__full_width__ekUdw">{E(first)}</p>
{rest}
<p class="text__text__1FZLe text__dark-grey__3Ml43 sign-off">Reporting by {E(a['author'])}; Editing by Mark Potter</p>
<div class="trust-badge"><a href="/trust-principles">Our Standards: The Trust Principles.</a></div></div>
<div class="read-next-panel"><h2>Read Next</h2>{''.join(f'<div class="story-card"><a href="/n{i}">{E(t)}</a><time>{rnd.randint(1, 59)} min ago</time></div>' for i, t in enumerate(rnd.sample(RELATED, 4)))}</div></div></main>
<footer class="site-footer"><p>All quotes delayed a minimum of 15 minutes. See here for a complete list of exchanges and delays.</p><p>© 2024 {site}. All rights reserved.</p></footer></div></body></html>"""


def tabloid(a, rnd):
    site = "Daily Buzz"
    def inject(i):
        if i == 0:
            return f'<p class="read-more-inline"><strong>READ MORE: <a href="/x">{E(rnd.choice(RELATED))}</a></strong></p>'
        if i == 2:
            return ('<div class="video-player"><div class="vjs-title">WATCH: Dramatic footage shows the scene</div><div class="vjs-controls">Play Mute Fullscreen</div></div>'
                    '<div class="billboard-ad"><span>ADVERTISEMENT</span></div>')
        if i == 4:
            return f'<p><strong>Don\'t miss... </strong><br><a href="/y">{E(rnd.choice(RELATED))} [LATEST]</a><br><a href="/z">{E(rnd.choice(RELATED))} [REVEALED]</a></p>'
        return None
    return f"""<html><head><title>{E(a['title'])} | {site}</title><meta property="og:site_name" content="{site}">
<meta property="og:title" content="{E(a['title'])}"><meta name="description" content="{E(a['blocks'][1][1][:120])}">
<script>var dataLayer=[];</script></head><body>
<div class="top-bar"><a href="/">HOME</a> | <a href="/news">NEWS</a> | <a href="/showbiz">SHOWBIZ</a> | <a href="/sport">SPORT</a> | <a href="/tv">TV</a> | <a href="/weather">WEATHER</a></div>
<div class="trending-bar"><b>TRENDING:</b> {' '.join(f'<a href="/t{i}">{E(t[:30])}</a>' for i, t in enumerate(RELATED[:5]))}</div>
<div class="container"><div class="col-main">
<h1 class="headline">{E(a['title'].upper())}</h1>
<ul class="bullets"><li>{E(a['blocks'][0][1][:80])}</li><li>Experts react as story develops</li></ul>
<div class="author-box"><span class="author">By {E(a['author'])}</span> <span class="date">PUBLISHED: {nice_date(a)} | UPDATED: {nice_date(a)}</span></div>
<div class="social-share"><a>Share</a> <a>Tweet</a> <a>Email</a> <span class="comment-count">142 comments</span></div>
<div class="article-text" itemprop="articleBody">
{body_html(a, inject=inject)}
</div>
<div class="sign-up-box"><h3>Get the biggest stories first</h3><p>Sign up for our free newsletter and never miss a moment of the action, straight to your inbox every morning.</p><input placeholder="Email address"><button>Sign up</button></div>
<div class="comments-section"><h3>Comments (142)</h3>{''.join(f'<div class="comment"><span class="user">{E(n)}</span><p>{E(t)}</p></div>' for n, t in COMMENTS)}<a href="/comments">View all comments</a></div>
</div><div class="col-side"><div class="puff"><h3>MOST READ NEWS</h3>{''.join(f'<a href="/p{i}"><p>{E(t)}</p></a>' for i, t in enumerate(RELATED))}</div></div></div>
<div class="footer">Daily Buzz. Part of Buzz Media Group. © Buzz Media Ltd 2024. Contact us | Privacy | Cookie settings | How to complain</div></body></html>"""


def tables(a, rnd):
    site = "Valley Gazette"
    paras = []
    for kind, text in a["blocks"]:
        if kind == "li":
            paras.append("<br>".join("&bull; " + E(t) for t in text))
        elif kind == "h":
            paras.append(f"<b>{E(text)}</b>")
        else:
            paras.append(E(text))
    body = "<br><br>\n".join(paras)
    return f"""<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1252"><TITLE>{site} - {E(a['title'])}</TITLE></HEAD>
<BODY BGCOLOR="#FFFFFF"><TABLE WIDTH="780" BORDER="0" CELLPADDING="0"><TR><TD COLSPAN="2"><IMG SRC="/img/logo.gif" ALT="{site}"></TD></TR>
<TR><TD WIDTH="160" VALIGN="top" BGCOLOR="#EEEEEE"><FONT SIZE="2"><A HREF="/">Home</A><BR><A HREF="/news">Local News</A><BR><A HREF="/obits">Obituaries</A><BR><A HREF="/classifieds">Classifieds</A><BR><A HREF="/weather">Weather</A><BR><A HREF="/contact">Contact</A><BR><BR>
<B>Other headlines</B><BR>{'<BR>'.join(f'<A HREF="/h{i}">{E(t)}</A>' for i, t in enumerate(rnd.sample(RELATED, 5)))}</FONT></TD>
<TD WIDTH="620" VALIGN="top"><FONT FACE="Arial" SIZE="4"><B>{E(a['title'])}</B></FONT><BR>
<FONT SIZE="2"><I>By {E(a['author'])}, Staff Writer</I><BR>{nice_date(a)}</FONT><BR><BR>
<FONT FACE="Arial" SIZE="2">{body}</FONT><BR><BR>
<FONT SIZE="1"><A HREF="/print">Printer-friendly version</A> | <A HREF="/email">E-mail this story</A></FONT></TD></TR>
<TR><TD COLSPAN="2" ALIGN="center"><FONT SIZE="1">Copyright &copy; 2024 {site}. All rights reserved.</FONT></TD></TR></TABLE></BODY></HTML>"""


def amp(a, rnd):
    site = "NewsNow Mobile"
    def inject(i):
        if i == 2:
            return '<amp-ad width="300" height="250" type="doubleclick" data-slot="/123/news"><div fallback>Advertisement</div></amp-ad>'
        return None
    return f"""<!doctype html><html amp lang="en"><head><meta charset="utf-8"><title>{E(a['title'])}</title>
<link rel="canonical" href="https://newsnow.example/story/{a['slug']}"><meta name="viewport" content="width=device-width">
{jsonld(a, site)}<style amp-custom>body{{font-family:sans-serif}}</style><script async src="https://cdn.ampproject.org/v0.js"></script></head>
<body><amp-sidebar id="sidebar" layout="nodisplay"><ul><li><a href="/">Front page</a></li><li><a href="/politics">Politics</a></li><li><a href="/tech">Technology</a></li><li><a href="/culture">Culture</a></li></ul></amp-sidebar>
<header class="header"><button on="tap:sidebar.toggle">Menu</button><a href="/">{site}</a></header>
<main><article><h1>{E(a['title'])}</h1><div class="byline">{E(a['author'])} &middot; {nice_date(a)}</div>
<amp-img src="/lead.jpg" width="600" height="400" layout="responsive" alt="Lead image"></amp-img><p class="caption">The scene on the day. Photo: Agency staff</p>
{body_html(a, inject=inject)}
<amp-social-share type="twitter"></amp-social-share><amp-social-share type="facebook"></amp-social-share>
</article>
<section class="related"><h2>You might also like</h2>{''.join(f'<a href="/r{i}"><h3>{E(t)}</h3></a>' for i, t in enumerate(rnd.sample(RELATED, 3)))}</section></main>
<footer><p>&copy; 2024 {site}</p><a href="/privacy">Privacy</a> <a href="/cookies">Cookies</a></footer></body></html>"""


def newsletter(a, rnd):
    site = "The Slow Brief"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{E(a['title'])} - by {E(a['author'])} - {site}</title>
<meta property="og:title" content="{E(a['title'])}"><meta property="og:description" content="A weekly letter about the stories behind the news.">
<meta name="author" content="{E(a['author'])}"><meta property="article:published_time" content="{a['date']}"></head>
<body><div class="main-menu"><div class="navbar"><a class="navbar-title-link" href="/">{site}</a><div class="navbar-buttons"><a class="button subscribe-btn" href="/subscribe">Subscribe</a><a class="button" href="/signin">Sign in</a></div></div></div>
<div class="single-post-container"><div class="container"><div class="single-post"><div class="post-header"><h1 class="post-title">{E(a['title'])}</h1>
<h3 class="subtitle">What happened, and why it matters</h3><div class="post-meta"><a href="/profile">{E(a['author'])}</a> <span>{nice_date(a)}</span></div>
<div class="post-ufi"><a class="like-button">43</a><a class="comment-button">12</a><a class="share-button">Share</a></div></div>
<div class="available-content"><div class="body markup" dir="auto">
<p>Welcome back to The Slow Brief. This week, one story that deserves more than a headline.</p>
{body_html(a)}
<p>That's all for this week. If you enjoyed this, forward it to a friend — it really helps.</p>
<div class="subscription-widget-wrap"><div class="subscription-widget"><p class="cta-caption">Thanks for reading The Slow Brief! Subscribe for free to receive new posts and support my work.</p><input type="email" placeholder="Type your email…"><button>Subscribe</button></div></div>
</div></div><div class="post-footer"><div class="post-ufi"><a>Share</a></div></div>
<div class="comments-section"><h4>Discussion about this post</h4>{''.join(f'<div class="comment"><div class="comment-meta">{E(n)}</div><div class="comment-body"><p>{E(t)}</p></div></div>' for n, t in COMMENTS[:2])}</div>
</div></div></div><div class="footer-wrap"><p>© 2024 {E(a['author'])}. Privacy ∙ Terms ∙ Collection notice</p><p>Start writing. Get the app.</p></div></body></html>"""


def magazine(a, rnd):
    site = "Longitude Magazine"
    quote_src = next((t for k, t in a["blocks"] if k == "p" and "\"" in t), None)
    def inject(i):
        if i == 1 and quote_src:
            q = quote_src.split("\"")[1]
            return f'<aside class="pullquote"><blockquote>{E(q)}</blockquote></aside>'
        if i == 2:
            return '<div class="newsletter-promo"><h4>The weekend read</h4><p>Get our best long reads delivered to your inbox every Saturday morning. It is free and you can unsubscribe at any time.</p><a href="/nl">Sign up now</a></div>'
        if i == 3:
            return '<figure class="inline-image"><img src="/img/2.jpg" alt=""><figcaption>Officials at a briefing earlier this month. Photograph: Lena Dahl for Longitude</figcaption></figure>'
        return None
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{E(a['title'])} | {site}</title>
<meta property="og:site_name" content="{site}"><meta property="og:type" content="article"><meta property="article:published_time" content="{a['date']}">
{''.join(f'<meta property="article:tag" content="{E(t)}">' for t in a['tags'])}<meta property="article:author" content="https://longitude.example/profile/x">
{jsonld(a, site)}</head><body class="article-page">
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience on our website and to show you relevant advertising. By continuing you agree to our use of cookies.</p><button>Accept all</button></div>
<header class="global-header"><a class="logo" href="/">{site}</a><nav><a href="/features">Features</a><a href="/ideas">Ideas</a><a href="/science">Science</a><a href="/culture">Culture</a><a href="/podcasts">Podcasts</a></nav></header>
<div class="article-wrapper"><div class="article-hero"><p class="kicker">Long read</p><h1>{E(a['title'])}</h1><p class="standfirst">{E(a['blocks'][0][1][:100])}…</p>
<figure class="hero-image"><img src="/img/hero.jpg" alt=""><figcaption>Illustration by Sam Reed</figcaption></figure></div>
<div class="article-meta"><span class="byline">Words by <a rel="author" href="/profile/x">{E(a['author'])}</a></span><time datetime="{a['date']}">{nice_date(a)}</time><span class="read-time">8 min read</span></div>
<div class="article-body-wrapper"><div class="article-body" id="article-body">
{body_html(a, h_tag="h3", q_attr=' class="in-body-quote"', inject=inject)}
</div>
<div class="author-bio"><img src="/a.jpg"><p>{E(a['author'])} is a contributing writer at Longitude. Their work has appeared in several national publications and has won two awards for investigative reporting.</p></div>
<div class="article-tags"><a href="/tag/1">{E(a['tags'][0])}</a><a href="/tag/2">{E(a['tags'][1])}</a></div></div></div>
<section class="more-stories"><h2>More long reads</h2>{''.join(f'<article class="card"><a href="/l{i}"><h3>{E(t)}</h3><p>An in-depth look at a story that shaped the year, told by the people who lived it.</p></a></article>' for i, t in enumerate(rnd.sample(RELATED, 3)))}</section>
<footer class="global-footer"><p>Longitude is published by Meridian Media. © 2024 Meridian Media Ltd. All rights reserved.</p></footer></body></html>"""


TEMPLATES = [("wordpress", wordpress), ("react", react), ("wire", wire), ("tabloid", tabloid), ("tables", tables),
             ("amp", amp), ("newsletter", newsletter), ("magazine", magazine)]


def main():
    pages = os.path.join(HERE, "pages")
    golds = os.path.join(HERE, "gold")
    os.makedirs(pages, exist_ok=True)
    os.makedirs(golds, exist_ok=True)
    for ai, a in enumerate(ARTICLES):
        for name, template in TEMPLATES:
            rnd = random.Random(f"{a['slug']}/{name}")
            page = template(a, rnd)
            stem = f"{name}-{a['slug']}"
            encoding = "cp1252" if name == "tables" else "utf-8"
            with open(os.path.join(pages, stem + ".html"), "w", encoding=encoding, errors="xmlcharrefreplace") as f:
                f.write(page)
            with open(os.path.join(golds, stem + ".txt"), "w", encoding="utf-8") as f:
                f.write(gold(a))
    print(f"{len(ARTICLES) * len(TEMPLATES)} pages written to {pages}")


if __name__ == "__main__":
    main()
