<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>EngineText</name>
    <message numerus="yes">
        <source>CPU, %n thread(s)</source>
        <translation>
            <numerusform>CPU, %n thread</numerusform>
            <numerusform>CPU, %n threads</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ReplyFormat</name>
    <message numerus="yes">
        <source>Prompt: %n token(s), %1 s</source>
        <translation>
            <numerusform>Prompt: %n token, %1 s</numerusform>
            <numerusform>Prompt: %n tokens, %1 s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Reply: %n token(s), %1 tokens/s</source>
        <translation>
            <numerusform>Reply: %n token, %1 tokens/s</numerusform>
            <numerusform>Reply: %n tokens, %1 tokens/s</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>qwenvl::ui::PicturePane</name>
    <message numerus="yes">
        <source>%n box(es)</source>
        <translation>
            <numerusform>%n box</numerusform>
            <numerusform>%n boxes</numerusform>
        </translation>
    </message>
</context>
</TS>
