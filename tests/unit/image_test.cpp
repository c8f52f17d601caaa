// DiskDescriptor.xml of the image layout: what we write reads back, ploop's own descriptors read, and malformed
// ones are refused with the exit code of a mount that can't go on.
#include "fs/image.hpp"

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "util/error.hpp"

namespace {

using vz::image::Descriptor;
using vz::image::Mode;

// The shape of a descriptor as ploop 1.x writes it for `vzctl create --layout ploop` (expanded, 10 GiB).
const char* kPloopExpanded = R"(<?xml version="1.0"?>
<Parallels_disk_image Version="1.0">
  <Disk_Parameters>
    <Disk_size>20971520</Disk_size>
    <Cylinders>20805</Cylinders>
    <Heads>16</Heads>
    <Sectors>63</Sectors>
    <Padding>0</Padding>
  </Disk_Parameters>
  <StorageData>
    <Storage>
      <Start>0</Start>
      <End>20971520</End>
      <Blocksize>2048</Blocksize>
      <Image>
        <GUID>{5fbaabe3-6958-40ff-92a7-860e329aab41}</GUID>
        <Type>Compressed</Type>
        <File>root.hdd</File>
      </Image>
    </Storage>
  </StorageData>
  <Snapshots>
    <TopGUID>{5fbaabe3-6958-40ff-92a7-860e329aab41}</TopGUID>
    <Shot>
      <GUID>{5fbaabe3-6958-40ff-92a7-860e329aab41}</GUID>
      <ParentGUID>{00000000-0000-0000-0000-000000000000}</ParentGUID>
    </Shot>
  </Snapshots>
</Parallels_disk_image>
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
    return text;
}

// The exit code and message parse_descriptor refuses `xml` with; Ok when it parses.
std::pair<vz::Exit, std::string> refusal(const std::string& xml) {
    try {
        vz::image::parse_descriptor(xml, "/ct/root.hdd/DiskDescriptor.xml");
    } catch (const vz::Error& e) {
        return {e.code(), e.what()};
    }
    return {vz::Exit::Ok, ""};
}

TEST(ImageDescriptor, RenderedParsesToTheSame) {
    for (auto mode : {Mode::Expanded, Mode::Plain, Mode::Raw}) {
        Descriptor d;
        d.size_kib = 2 * 1024 * 1024 + 4;
        d.mode = mode;
        d.file = mode == Mode::Raw ? "sub/image & <raw>" : "root.hdd";
        auto text = vz::image::render_descriptor(d);
        auto back = vz::image::parse_descriptor(text, "x");
        EXPECT_EQ(back.size_kib, d.size_kib) << text;
        EXPECT_EQ(back.file, d.file) << text;
        EXPECT_EQ(back.mode, d.mode) << text;
        EXPECT_EQ(vz::image::render_descriptor(back), text);
    }
}

TEST(ImageDescriptor, WrittenAsPloopWritesIt) {
    Descriptor d;
    d.size_kib = 10 * 1024 * 1024;
    // Byte for byte the descriptor of ploop for an expanded 10 GiB image.
    auto text = vz::image::render_descriptor(d);
    EXPECT_EQ(text, kPloopExpanded);
    d.mode = Mode::Plain;
    EXPECT_NE(vz::image::render_descriptor(d).find("<Preallocated>1</Preallocated>"), std::string::npos);
    EXPECT_NE(vz::image::render_descriptor(d).find("<Type>Compressed</Type>"), std::string::npos);
    d.mode = Mode::Raw;
    EXPECT_NE(vz::image::render_descriptor(d).find("<Type>Plain</Type>"), std::string::npos);
    EXPECT_EQ(vz::image::render_descriptor(d).find("Preallocated"), std::string::npos);
}

TEST(ImageDescriptor, PloopsOwnDescriptorsParse) {
    auto d = vz::image::parse_descriptor(kPloopExpanded, "x");
    EXPECT_EQ(d.size_kib, 10U * 1024 * 1024);
    EXPECT_EQ(d.file, "root.hdd");
    EXPECT_EQ(d.mode, Mode::Expanded);
    // Newer ploop: the Virtuozzo root, a preallocated image, elements we don't use.
    auto vz7 = replaced(replaced(replaced(kPloopExpanded, "Parallels_disk_image Version=\"1.0\"", "Virtuozzo_disk_image"),
                                 "</Parallels_disk_image>", "</Virtuozzo_disk_image>"),
                        "<Blocksize>2048</Blocksize>", "<Blocksize>2048</Blocksize><Preallocated>1</Preallocated>");
    vz7 = replaced(vz7, "<Padding>0</Padding>", "<Padding>0</Padding><Max_delta_size>1</Max_delta_size>");
    d = vz::image::parse_descriptor(vz7, "x");
    EXPECT_EQ(d.mode, Mode::Plain);
    d = vz::image::parse_descriptor(replaced(kPloopExpanded, "Compressed", " Plain "), "x");
    EXPECT_EQ(d.mode, Mode::Raw);
    d = vz::image::parse_descriptor(replaced(kPloopExpanded, "<File>root.hdd</File>", "<File>\n  images/root.hds\n</File>"), "x");
    EXPECT_EQ(d.file, "images/root.hds");
}

TEST(ImageDescriptor, MalformedOnesAreRefused) {
    const std::string shot = "<Shot>\n      <GUID>{5fbaabe3-6958-40ff-92a7-860e329aab41}</GUID>";
    const std::string image = "<Image>\n        <GUID>{5fbaabe3-6958-40ff-92a7-860e329aab41}</GUID>";
    struct Case {
        const char* what;
        std::string xml;
        const char* why = "";  // in the message
    } cases[] = {
        {"not XML", "Disk_size=1\n", "not XML"},
        {"empty", "", "not XML"},
        {"truncated", std::string(kPloopExpanded).substr(0, 300), "not XML"},
        {"wrong root", replaced(replaced(kPloopExpanded, "<Parallels_disk_image Version=\"1.0\">", "<disk>"),
                                "</Parallels_disk_image>", "</disk>"), "<disk> is not a ploop disk descriptor"},
        {"wrong root, empty", "<?xml version=\"1.0\"?>\n<Parallels_disk_imaaraneters/>", "is not a ploop disk descriptor"},
        {"size 0", replaced(kPloopExpanded, "<Disk_size>20971520</Disk_size>", "<Disk_size>0</Disk_size>"), "size of 0"},
        {"size 1 sector", replaced(kPloopExpanded, "<Disk_size>20971520</Disk_size>", "<Disk_size>1</Disk_size>"), "size of 0"},
        {"size not a number", replaced(kPloopExpanded, "<Disk_size>20971520</Disk_size>", "<Disk_size>10G</Disk_size>"), "bad Disk_size \"10G\""},
        {"size negative", replaced(kPloopExpanded, "<Disk_size>20971520</Disk_size>", "<Disk_size>-2</Disk_size>"), "bad Disk_size"},
        {"size too big", replaced(kPloopExpanded, "<Disk_size>20971520</Disk_size>",
                                  "<Disk_size>99999999999999999999</Disk_size>"), "bad Disk_size"},
        {"no size", replaced(kPloopExpanded, "<Disk_size>20971520</Disk_size>", ""), "Disk_size"},
        {"two images", replaced(kPloopExpanded, "</Image>",
                                "</Image><Image><GUID>{1}</GUID><Type>Compressed</Type><File>root.hdd.1</File></Image>"), "more than one image"},
        {"two snapshots", replaced(kPloopExpanded, "</Shot>", "</Shot>" + shot + "<ParentGUID>{0}</ParentGUID></Shot>"), "more than one snapshot"},
        {"file leaving root.hdd", replaced(kPloopExpanded, "<File>root.hdd</File>", "<File>../root.hdd</File>"), "not a path inside root.hdd"},
        {"file leaving in the middle", replaced(kPloopExpanded, "<File>root.hdd</File>", "<File>a/../../x</File>"), "not a path inside root.hdd"},
        {"absolute file", replaced(kPloopExpanded, "<File>root.hdd</File>", "<File>/etc/shadow</File>"), "not a path inside"},
        {"file the descriptor", replaced(kPloopExpanded, "<File>root.hdd</File>", "<File>DiskDescriptor.xml</File>"), "not a path inside"},
        {"file with a newline", replaced(kPloopExpanded, "<File>root.hdd</File>", "<File>root\nhdd</File>"),
         "image file \"root?hdd\" is not a path inside"},
        {"missing file", replaced(kPloopExpanded, "<File>root.hdd</File>", ""), "has no File"},
        {"empty file", replaced(kPloopExpanded, "<File>root.hdd</File>", "<File></File>"), "not a path inside"},
        {"no image", replaced(replaced(kPloopExpanded, image, "<Nothing><GUID>x</GUID>"), "</Image>", "</Nothing>"), "no StorageData/Storage/Image"},
        {"no GUID", replaced(kPloopExpanded, image, "<Image>"), "no GUID"},
        {"type of two lines", replaced(kPloopExpanded, "Compressed", "Compressed\nx"), "unknown image type \"Compressed?x\""},
        {"unknown type", replaced(kPloopExpanded, "Compressed", "QCOW2"), "unknown image type \"QCOW2\""},
        {"preallocated raw", replaced(replaced(kPloopExpanded, "Compressed", "Plain"), "<Blocksize>2048</Blocksize>",
                                      "<Preallocated>1</Preallocated>"), "Preallocated with a Plain"},
        {"encrypted", replaced(kPloopExpanded, "<Padding>0</Padding>", "<Encryption><KeyId>k</KeyId></Encryption>"), "encrypted"},
        {"doctype", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]>" +
                        std::string(kPloopExpanded).substr(22), "DOCTYPE"},
        {"no snapshots", replaced(replaced(kPloopExpanded, "<Snapshots>", "<Other>"), "</Snapshots>", "</Other>"), "no Snapshots"},
    };
    for (auto& c : cases) {
        auto [code, msg] = refusal(c.xml);
        EXPECT_EQ(code, vz::Exit::MountImage) << c.what << ": " << msg;
        EXPECT_NE(msg.find("/ct/root.hdd/DiskDescriptor.xml"), std::string::npos) << c.what << ": " << msg;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << c.what << ": " << msg;
        EXPECT_NE(msg.find(c.why), std::string::npos) << c.what << ": " << msg;
    }
}

TEST(ImageDescriptor, ReadFromAPrivateArea) {
    vztest::TempDir tmp;
    EXPECT_FALSE(vz::image::has_image(tmp.path()));
    try {
        vz::image::read_descriptor(tmp.path());
        ADD_FAILURE() << "no descriptor read";
    } catch (const vz::Error& e) {
        EXPECT_EQ(e.code(), vz::Exit::ImageNotFound) << e.what();
    }
    vztest::write_text(vz::image::descriptor_path(tmp.path()), kPloopExpanded);
    EXPECT_TRUE(vz::image::has_image(tmp.path()));
    EXPECT_EQ(vz::image::descriptor_path(tmp.path()), tmp.path() + "/root.hdd/DiskDescriptor.xml");
    EXPECT_EQ(vz::image::image_path(tmp.path()), tmp.path() + "/root.hdd/root.hdd");
    EXPECT_EQ(vz::image::read_descriptor(tmp.path()).size_kib, 10U * 1024 * 1024);
}

TEST(ImageDescriptor, ModeNames) {
    for (auto mode : {Mode::Expanded, Mode::Plain, Mode::Raw})
        EXPECT_EQ(vz::image::parse_mode(vz::image::mode_name(mode)), mode);
    EXPECT_FALSE(vz::image::parse_mode("ploop"));
    EXPECT_FALSE(vz::image::parse_mode(""));
}

}  // namespace
