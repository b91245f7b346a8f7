<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an RSS 2.0 feed of Signalen as a readable page when it is opened in a browser.
     Feed readers ignore this stylesheet. No script. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat"/>
  <xsl:include href="feed-page.xsl"/>

  <xsl:template match="/rss/channel">
    <xsl:call-template name="page">
      <xsl:with-param name="title" select="title"/>
      <xsl:with-param name="subtitle" select="description"/>
      <xsl:with-param name="home" select="link"/>
      <xsl:with-param name="self" select="atom:link[@rel='self']/@href"/>
      <xsl:with-param name="count" select="count(item)"/>
      <xsl:with-param name="lang" select="language"/>
      <xsl:with-param name="items">
        <xsl:for-each select="item">
          <li class="result">
            <h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
            <p class="meta">
              <xsl:call-template name="rfc822-date">
                <xsl:with-param name="value" select="pubDate"/>
              </xsl:call-template>
            </p>
            <p class="snippet"><xsl:value-of select="description"/></p>
          </li>
        </xsl:for-each>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="/">
    <xsl:apply-templates select="rss/channel"/>
  </xsl:template>
</xsl:stylesheet>
