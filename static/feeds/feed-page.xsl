<?xml version="1.0" encoding="UTF-8"?>
<!-- The page around a feed (shared by atom.xsl and rss.xsl) and Dutch dates
     ("3 december 2026"). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template name="page">
    <xsl:param name="title"/>
    <xsl:param name="subtitle"/>
    <xsl:param name="home"/>
    <xsl:param name="self"/>
    <xsl:param name="count"/>
    <xsl:param name="lang"/>
    <xsl:param name="items"/>
    <html lang="nl">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <link rel="stylesheet" href="/static/css/site.css"/>
      </head>
      <body>
        <header class="site-header">
          <div class="wrap header-row">
            <a class="brand" href="/">Signalen</a>
          </div>
        </header>
        <main id="inhoud" class="wrap">
          <p class="notice">Dit is een feed. Zet het adres van deze pagina in uw feedlezer, dan ziet u
            daar wat er nieuw is. <a href="/feeds">Wat is een feed?</a></p>
          <h1><xsl:value-of select="$title"/></h1>
          <p class="lead"><xsl:value-of select="$subtitle"/></p>
          <p class="copy-box"><label for="adres">Adres van deze feed</label>
            <input id="adres" type="text" readonly="readonly" value="{$self}"/></p>
          <p><a href="{$home}">Bekijk dit op de site</a></p>
          <h2>Nieuwste berichten (<xsl:value-of select="$count"/>)</h2>
          <xsl:choose>
            <xsl:when test="$count = 0"><p>Er zijn nog geen berichten.</p></xsl:when>
            <xsl:otherwise><ul class="result-list"><xsl:copy-of select="$items"/></ul></xsl:otherwise>
          </xsl:choose>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="month">
    <xsl:param name="number"/>
    <xsl:choose>
      <xsl:when test="$number = 1">januari</xsl:when>
      <xsl:when test="$number = 2">februari</xsl:when>
      <xsl:when test="$number = 3">maart</xsl:when>
      <xsl:when test="$number = 4">april</xsl:when>
      <xsl:when test="$number = 5">mei</xsl:when>
      <xsl:when test="$number = 6">juni</xsl:when>
      <xsl:when test="$number = 7">juli</xsl:when>
      <xsl:when test="$number = 8">augustus</xsl:when>
      <xsl:when test="$number = 9">september</xsl:when>
      <xsl:when test="$number = 10">oktober</xsl:when>
      <xsl:when test="$number = 11">november</xsl:when>
      <xsl:when test="$number = 12">december</xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- 2026-12-03T07:41:00+00:00 -->
  <xsl:template name="iso-date">
    <xsl:param name="value"/>
    <time datetime="{$value}">
      <xsl:value-of select="number(substring($value, 9, 2))"/>
      <xsl:text> </xsl:text>
      <xsl:call-template name="month">
        <xsl:with-param name="number" select="number(substring($value, 6, 2))"/>
      </xsl:call-template>
      <xsl:text> </xsl:text>
      <xsl:value-of select="substring($value, 1, 4)"/>
    </time>
  </xsl:template>

  <!-- Thu, 03 Dec 2026 07:41:00 +0000 -->
  <xsl:template name="rfc822-date">
    <xsl:param name="value"/>
    <xsl:variable name="rest" select="normalize-space(substring-after($value, ','))"/>
    <xsl:variable name="month" select="substring-before(substring-after($rest, ' '), ' ')"/>
    <xsl:value-of select="number(substring-before($rest, ' '))"/>
    <xsl:text> </xsl:text>
    <xsl:call-template name="month">
      <xsl:with-param name="number"
          select="(string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec', $month)) div 3) + 1"/>
    </xsl:call-template>
    <xsl:text> </xsl:text>
    <xsl:value-of select="substring-before(substring-after(substring-after($rest, ' '), ' '), ' ')"/>
  </xsl:template>
</xsl:stylesheet>
