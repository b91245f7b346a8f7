<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an Atom feed of Signalen as a readable page when it is opened in a browser.
     Feed readers ignore this stylesheet. No script. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat"/>
  <xsl:include href="feed-page.xsl"/>

  <xsl:template match="/atom:feed">
    <xsl:call-template name="page">
      <xsl:with-param name="title" select="atom:title"/>
      <xsl:with-param name="subtitle" select="atom:subtitle"/>
      <xsl:with-param name="home" select="atom:link[@rel='alternate']/@href"/>
      <xsl:with-param name="self" select="atom:link[@rel='self']/@href"/>
      <xsl:with-param name="count" select="count(atom:entry)"/>
      <xsl:with-param name="lang" select="@xml:lang"/>
      <xsl:with-param name="items">
        <xsl:for-each select="atom:entry">
          <li class="result">
            <h3><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h3>
            <p class="meta">
              <xsl:call-template name="iso-date">
                <xsl:with-param name="value" select="atom:updated"/>
              </xsl:call-template>
            </p>
            <p class="snippet"><xsl:value-of select="atom:summary"/></p>
          </li>
        </xsl:for-each>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>
</xsl:stylesheet>
