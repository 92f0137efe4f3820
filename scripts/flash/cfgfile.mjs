// The config file "pencap.cfg", pre-allocated at flashing time (docs/config.md "In flash"): flash.sh sends
// PREPARE with the Espruino CLI's -e before the upload, and the simulator's upload runs the same text
// (sim/device.ts), so the firmware never has to write a Storage file header in the field (docs/log-format.md
// "No Storage churn in the field"). The layout is firmware/config/cfgfile.ts's; test/sim/cfgfile.test.ts keeps
// these constants equal to it and runs PREPARE against the simulator's Storage.
//
// What PREPARE does (ES5, as the interpreter runs it), answering one line "PENCAP_CFGFILE <what> <slots>":
// - a file of this layout with at most half its slots used: kept as it is ("kept", slots used);
// - otherwise the file is written anew (520 bytes: head, then the carried slots, the rest erased), carrying
//   the newest valid config slot and the newest valid magnetometer slot of a full file ("renewed"), or the
//   28-byte config file and the JSON "pencap.mag" of an older flash.sh ("migrated"; pencap.mag is then erased),
//   or nothing ("created"); <slots> is the number of slots carried.
// Writing a file anew writes a Storage header: done here, at flashing time, with the cap in hand.

export const CFG_FILE = "pencap.cfg";
export const HEAD = 8;
export const SLOT = 32;
export const SLOTS = 16;
export const FILE_SIZE = HEAD + SLOT * SLOTS;
export const KIND_CONFIG = 0x01;
export const KIND_MAG = 0x4d;

export const PREPARE =
  "(function(){var S=require(\"Storage\"),n=\"" + CFG_FILE + "\",Z=" + FILE_SIZE + ",N=" + SLOTS +
  ",f=S.readArrayBuffer(n),u=new Uint8Array(Z),m=0,used=0,w=\"created\",b,i,k,o,a,g,d;" +
  // the check: low 16 bits of CRC-32 of slot bytes 0..29, 0xFFFF stored as 0
  "function ck(x,o){var c=E.CRC32(new Uint8Array(x.buffer,x.byteOffset+o,30))&65535;return c==65535?0:c;}" +
  // copy a 28-byte payload from x at so into the next slot of u, with seq and check
  "function put(x,so){var o=" + HEAD + "+" + SLOT + "*m,c;for(var i=0;i<28;i++)u[o+i]=x[so+i];m++;u[o+28]=m&255;u[o+29]=m>>8;" +
  "c=ck(u,o);u[o+30]=c&255;u[o+31]=c>>8;}" +
  // the newest valid slot of kind t in x (the last one in file order), or -1
  "function nw(x,t){var r=-1,o;for(var k=0;k<N;k++){o=" + HEAD + "+" + SLOT + "*k;if(x[o]==t&&(x[o+30]|x[o+31]<<8)==ck(x,o))r=o;}return r;}" +
  "for(i=0;i<Z;i++)u[i]=255;u.set([80,67,70,71,1," + SLOT + ",N,0]);" +
  "if(f){b=new Uint8Array(f);" +
  "if(b.length==Z&&b[0]==80&&b[1]==67&&b[2]==70&&b[3]==71&&b[4]==1&&b[5]==" + SLOT + "&&b[6]==N&&b[7]==0){" +
  "for(k=0;k<N;k++){o=" + HEAD + "+" + SLOT + "*k;for(i=0;i<" + SLOT + ";i++)if(b[o+i]!=255){used=k+1;break;}}" +
  "if(used<=N/2){print(\"PENCAP_CFGFILE kept \"+used);return;}" +
  "w=\"renewed\";o=nw(b," + KIND_CONFIG + ");if(o>=0)put(b,o);o=nw(b," + KIND_MAG + ");if(o>=0)put(b,o);" +
  "}else{w=\"migrated\";if(b.length==28)put(b,0);}}" +
  "if(w!=\"renewed\"){a=S.read(\"pencap.mag\");if(a!==undefined){w=\"migrated\";try{a=JSON.parse(a);" +
  "if(a&&a.length==3&&isFinite(a[0])&&isFinite(a[1])&&isFinite(a[2])){g=new Uint8Array(28);g[0]=" + KIND_MAG + ";d=new DataView(g.buffer);" +
  "d.setFloat32(4,a[0],true);d.setFloat32(8,a[1],true);d.setFloat32(12,a[2],true);put(g,0);}}catch(e){}S.erase(\"pencap.mag\");}}" +
  "S.write(n,new Uint8Array(u.buffer,0," + HEAD + "+" + SLOT + "*m),0,Z);" +
  "print(\"PENCAP_CFGFILE \"+w+\" \"+m);})()";
